/**
 * Child process of spec/backends/etcd/process-exit.spec.ts: one etcd lock on the default client
 * (SHERLOCK_ETCD_HOSTS) and one on a user client (USER_ETCD_URL), with one attempt each; then it
 * closes the user client, awaits closeDefaultClients() and returns, leaving the process to exit
 * on its own. Prints one JSON line per step; the parent measures the rest.
 *   MODE=success: both locks are acquired and released.
 *   MODE=failure: the server is down or stalled; both attempts must fail with a LockError.
 */
import { Etcd3 } from 'etcd3';
import { EtcdLock, closeDefaultClients, isLockError } from '../../../../lib/index';

const unhandled: string[] = [];
process.on('unhandledRejection', (r) => unhandled.push(String(r)));
const started = Date.now();
const say = (event: string, data: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, at: Date.now() - started, ...data })}\n`);
// Synchronous on a pipe: the parent gets it even at exit.
process.on('exit', (code) => say('exit', { code, unhandled }));

async function attempt(label: string, lock: EtcdLock): Promise<void> {
  const t0 = Date.now();
  try {
    const got = await lock.acquire(false);
    if (got) await lock.release();
    say('attempt', { label, outcome: got ? 'acquired' : 'busy', ms: Date.now() - t0 });
  } catch (err) {
    say('attempt', {
      label,
      outcome: isLockError(err) ? (err as Error).name : `NOT a LockError: ${String(err)}`,
      ms: Date.now() - t0,
    });
  }
}

async function main(): Promise<void> {
  const user = new Etcd3({ hosts: process.env.USER_ETCD_URL! });
  const name = `exit-${process.pid}`;
  await Promise.all([
    attempt('default client', new EtcdLock(`${name}-default`)),
    attempt('user client', new EtcdLock(`${name}-user`, { client: user })),
  ]);
  const t1 = Date.now();
  const locked = await new EtcdLock(`${name}-user`, { client: user }).locked().then(
    (v) => String(v),
    (err: unknown) => (isLockError(err) ? (err as Error).name : `NOT a LockError: ${String(err)}`),
  );
  say('locked', { outcome: locked, ms: Date.now() - t1 });
  user.close();
  const t0 = Date.now();
  await closeDefaultClients();
  say('closed', { closeDefaultClientsMs: Date.now() - t0 });
}

main().catch((err) => {
  say('crashed', { error: String(err) });
  process.exitCode = 1;
});
