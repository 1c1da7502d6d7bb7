/**
 * Child process for the process-hygiene specs (lifecycle.spec.ts): runs one lock scenario
 * through the public API, closes what it opened, and must then exit on its own.
 *
 * Environment: MC_MODE = 'default' (the default client, pointed at the server with
 * MEMCACHE_SERVERS) or 'user' (a memjs client created and closed here); MC_SCENARIO = 'ok',
 * 'down', 'stalled', 'stall-resume' or 'close-in-flight'; MC_ADDRESS = host:port of the server.
 *
 * Prints one marker per line (`MARK <name> <ms since start>`) for the parent; exits 3 on an
 * unhandled rejection, 4 on an uncaught exception, 5 when the scenario's outcome is wrong.
 */
import * as memjs from 'memjs';
import { closeDefaultClients, isLockBackendError, MemcachedLock } from '../../../../lib';

const started = Date.now();
const mark = (name: string): void => void process.stdout.write(`MARK ${name} ${Date.now() - started}\n`);

process.on('unhandledRejection', (err) => {
  process.stdout.write(`UNHANDLED ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(3);
});
process.on('uncaughtException', (err) => {
  process.stdout.write(`UNCAUGHT ${String(err?.stack ?? err)}\n`);
  process.exit(4);
});

const mode = process.env.MC_MODE;
const scenario = process.env.MC_SCENARIO;
const address = process.env.MC_ADDRESS as string;

function fail(why: string): never {
  process.stdout.write(`FAIL ${why}\n`);
  process.exit(5);
}

async function main(): Promise<void> {
  // A user client with memjs's own defaults (timeout 0.5 s), minus its console logging.
  const client = mode === 'user' ? memjs.Client.create(address, { logger: { log: () => undefined } }) : undefined;
  const lock = (name: string) => new MemcachedLock(name, { namespace: `hyg${process.pid}`, client });

  if (scenario === 'ok') {
    const l = lock('ok');
    if (!(await l.acquire(false))) fail('acquire on a free lock returned false');
    await l.release();
  } else if (scenario === 'down' || scenario === 'stalled') {
    const err = await lock(scenario)
      .acquire(false)
      .then(
        () => fail('acquire succeeded against an unusable server'),
        (e: unknown) => e,
      );
    if (!isLockBackendError(err)) fail(`expected LockBackendError, got ${String(err)}`);
    mark('failed');
  } else if (scenario === 'stall-resume') {
    // A request that times out on the stalled server, then one sent while it is still
    // stalled (on a new socket); the parent resumes the server once it sees `pending`.
    const first = await lock('first').acquire(false).catch((e: unknown) => e);
    if (!isLockBackendError(first)) fail(`expected LockBackendError, got ${String(first)}`);
    const second = lock('second');
    const got = second.acquire(false);
    mark('pending');
    if (!(await got)) fail('second acquire returned false');
    await second.release();
  } else if (scenario === 'close-in-flight') {
    // Closing while a request waits on the stalled server: the close must settle and the
    // request must fail with a LockError rather than hang or escape.
    const got = lock('inflight').acquire(false).then(
      () => fail('acquire succeeded against a stalled server'),
      (e: unknown) => (isLockBackendError(e) ? mark('failed') : fail(`expected LockBackendError, got ${String(e)}`)),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await closeDefaultClients();
    client?.close();
    await got;
  } else {
    fail(`unknown scenario ${scenario}`);
  }
  await closeDefaultClients();
  mark('closed');
  client?.close();
}

main().catch((err: unknown) => fail(`main threw ${String((err as Error)?.stack ?? err)}`));
