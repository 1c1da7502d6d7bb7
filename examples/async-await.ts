/**
 * Plain async code: Python sherlock's API with milliseconds. Runs on the in-memory backend;
 * swap `backends.MEMORY` for `backends.REDIS` and pass an ioredis client to go distributed.
 *
 *   npx ts-node examples/async-await.ts
 */
import { Lock, LockTimeoutError, backends, configure } from '../lib';

async function main(): Promise<void> {
  configure({ backend: backends.MEMORY, namespace: 'example', expire: 30_000, timeout: 2_000 });

  // sherlock style: acquire / release
  const lock = new Lock('monthly-report');
  if (await lock.acquire()) {
    try {
      console.log('holding', lock.key, 'with fencing token', lock.fencingToken);
      console.log('locked() says', await lock.locked());
      console.log('a second instance gets it non-blocking?', await new Lock('monthly-report').acquire(false));
    } finally {
      await lock.release();
    }
  }

  // scoped: released at the end of the block, even on throw
  {
    await using handle = await new Lock('monthly-report').hold();
    console.log('scoped hold, valid for another', Math.round(handle.expiresAt! - performance.now()), 'ms');
  }

  // scoped without `await using` (plain JavaScript on Node 20): run() releases when fn settles
  const total = await new Lock('monthly-report').run(async (handle) => {
    // Pass handle.signal to the work: it aborts with LockLostError if the lock is lost.
    handle.signal.throwIfAborted();
    return [120, 80, 42].reduce((sum, amount) => sum + amount, 0);
  });
  console.log('run() returned', total, '- locked afterwards?', await new Lock('monthly-report').locked());

  // timeouts are typed errors
  const holder = new Lock('busy');
  await holder.acquire();
  try {
    await new Lock('busy', { timeout: 300 }).acquire();
  } catch (err) {
    if (err instanceof LockTimeoutError) console.log('timed out as expected:', err.message);
  }
  await holder.release();
}

void main();
