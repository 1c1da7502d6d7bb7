/**
 * Child process of lifecycle.spec.ts: one acquire(false) through the public API, then (maybe)
 * `await closeDefaultClients()`, then nothing: the process must exit on its own.
 *
 * Configured by the SHERLOCK_CHILD environment variable (JSON):
 * - port: the Redis port (the default client is pointed at it);
 * - client: 'default' (no client given) or 'user' (a client of our own, disconnected at the end);
 * - op: 'acquire' (acquire(false), then release() if granted) or 'locked';
 * - stallAfterReady: print READY once connected, then wait for a line on stdin (the parent
 *   SIGSTOPs the server in between) before the operation;
 * - close: whether to `await closeDefaultClients()` at the end.
 *
 * Prints one JSON line per step ({ step, at, ... }, `at` in ms since start) and exits with 3 on
 * an unhandled rejection and 4 on an uncaught exception. The `result` step also names the
 * ioredis packages loaded by then (`ioredisModules`), so a run meant for ioredis 5 (see
 * ioredis5-alias.ts) can check that it did not run on 6.
 */
import Redis from 'ioredis';
import { closeDefaultClients, isLockError, RedisLock } from '../../../../lib';

/** What the parent spec asks this child to do (passed as JSON in argv). */
export interface ChildConfig {
  port: number;
  client: 'default' | 'user';
  op: 'acquire' | 'locked';
  stallAfterReady: boolean;
  close: boolean;
}

const started = Date.now();
const say = (step: string, extra: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ step, at: Date.now() - started, ...extra })}\n`);
};

process.on('unhandledRejection', (err) => {
  say('unhandledRejection', { error: String(err) });
  process.exit(3);
});
process.on('uncaughtException', (err) => {
  say('uncaughtException', { error: String(err) });
  process.exit(4);
});

const config = JSON.parse(process.env.SHERLOCK_CHILD ?? '{}') as ChildConfig;

/** The node_modules directories of the ioredis copies loaded so far (`ioredis`, `ioredis5`). */
function ioredisModules(): string[] {
  const names = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    const m = /[\\/]node_modules[\\/](ioredis5?)[\\/]/.exec(file);
    if (m) names.add(m[1]!);
  }
  return [...names].sort();
}

/** One line from the parent; stdin is destroyed afterwards so it does not hold the process. */
function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.once('data', () => {
      process.stdin.destroy();
      resolve();
    });
  });
}

async function main(): Promise<void> {
  let userClient: Redis | undefined;
  if (config.client === 'default') {
    process.env.SHERLOCK_REDIS_URL = `redis://127.0.0.1:${config.port}`;
  } else {
    userClient = new Redis({ host: '127.0.0.1', port: config.port, disconnectTimeout: 100 });
    userClient.on('error', () => undefined);
  }
  const lock = new RedisLock(`lifecycle-${process.pid}`, { client: userClient, expire: 30_000 });

  if (config.stallAfterReady) {
    // Connect first (on the default client too), so that the stall hits a ready connection.
    await lock.locked();
    say('ready');
    await waitForGo();
  }

  try {
    if (config.op === 'locked') {
      say('result', { locked: await lock.locked(), ioredisModules: ioredisModules() });
    } else {
      const acquired = await lock.acquire(false);
      if (acquired) await lock.release();
      say('result', { acquired, ioredisModules: ioredisModules() });
    }
  } catch (err) {
    say('result', { error: (err as Error).name, lockError: isLockError(err), message: (err as Error).message, ioredisModules: ioredisModules() });
  }

  userClient?.disconnect();
  if (config.close) {
    await closeDefaultClients();
    say('closed');
  }
}

main().then(
  () => say('end'),
  (err: unknown) => {
    say('mainFailed', { error: String(err) });
    process.exit(5);
  },
);
