import { Observable, type MonoTypeOperatorFunction, type Subscription } from 'rxjs';
import { debug } from './debug';
import type { LockHandle } from './lock-handle';

/** Anything that can hand out a held lock as an Observable (a `Lock`, or your own wrapper). */
export interface LockSource {
  acquire$(): Observable<LockHandle>;
}

/**
 * Runs the source only while holding `lock`: subscribes to the work after the lock is held,
 * mirrors it, and releases the lock when the work completes (the completion is delivered
 * once the backend confirmed the release), errors, or is unsubscribed. If the lock is lost
 * meanwhile, the work is cancelled and the result errors with `LockLostError`; if it cannot
 * be acquired, with `LockTimeoutError` (or `LockBackendError`). A release that fails after
 * the work completed is the result's error; after the work failed, the work's own error is
 * kept (it says what went wrong first).
 *
 * @example
 * ```ts
 * const report$ = buildReport$().pipe(withLock(new Lock('nightly-report')));
 * const report = await lastValueFrom(report$);
 * ```
 */
export function withLock<T>(lock: LockSource): MonoTypeOperatorFunction<T> {
  return (work$) =>
    new Observable<T>((subscriber) => {
      let handle: LockHandle | undefined;
      let work: Subscription | undefined;
      let finishing = false;
      /** Releases, then delivers the work's outcome; `releaseFailed` decides what a failed release delivers. */
      const finish = (deliver: () => void, releaseFailed: (err: unknown, h: LockHandle) => void) => {
        finishing = true;
        const h = handle;
        handle = undefined;
        if (!h) return deliver();
        h.release().then(deliver, (err: unknown) => releaseFailed(err, h));
      };
      const hold = lock.acquire$().subscribe({
        next: (h) => {
          handle = h;
          work = work$.subscribe({
            next: (v) => subscriber.next(v),
            error: (err: unknown) =>
              finish(
                () => subscriber.error(err),
                (releaseErr, h) => {
                  debug('withLock: the release of %s after the work failed also failed: %s', h.name, releaseErr);
                  subscriber.error(err);
                },
              ),
            complete: () =>
              finish(
                () => subscriber.complete(),
                (releaseErr) => subscriber.error(releaseErr),
              ),
          });
        },
        error: (err: unknown) => subscriber.error(err),
        // Released from outside (handle.release()): the work ends with it.
        complete: () => {
          if (!finishing) subscriber.complete();
        },
      });
      // Cancel the work before letting go of the lock that protects it.
      return () => {
        work?.unsubscribe();
        hold.unsubscribe();
      };
    });
}
