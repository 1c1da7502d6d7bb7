/**
 * Reactive style: `acquire$()` is a cold Observable; `withLock()` runs work only while the
 * lock is held and cancels it if the lock is lost.
 *
 *   npx ts-node examples/rxjs-pipeline.ts
 */
import { concatMap, delay, from, lastValueFrom, map, of, takeUntil, timer, toArray } from 'rxjs';
import { MemoryLock, withLock } from '../lib';

async function main(): Promise<void> {
  const lock = new MemoryLock('import-batch', { expire: 2_000, autoRenew: true });

  // Work guarded by the lock: released when the work completes (or errors, or is unsubscribed).
  const imported = await lastValueFrom(
    from(['a.csv', 'b.csv', 'c.csv']).pipe(
      concatMap((file) => of(`imported ${file}`).pipe(delay(50))),
      toArray(),
      withLock(lock),
    ),
  );
  console.log(imported, '- lock still held?', await lock.locked());

  // The handle itself: hold for 300 ms, then let go by unsubscribing.
  await lastValueFrom(
    lock.acquire$().pipe(
      map((handle) => `fencing token ${String(handle.fencingToken)}, key ${handle.key}`),
      takeUntil(timer(300)),
    ),
    { defaultValue: 'nothing' },
  ).then(console.log);

  // A lock lost while held is an error: here it expires (no renewal) under long work.
  const short = new MemoryLock('short', { expire: 200 });
  await lastValueFrom(timer(1_000).pipe(withLock(short))).catch((err: Error) => console.log(err.name, '-', err.message));
}

void main();
