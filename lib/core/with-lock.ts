import { Observable, defer, from, isObservable, of, type MonoTypeOperatorFunction, type Subscription } from 'rxjs';
import { LockConfigurationError } from '../errors';
import type { LockHandle } from './lock-handle';

/**
 * Anything that can hand out a held lock as an Observable (a `Lock`, or your own wrapper).
 *
 * @example
 * ```ts
 * // A wrapper that logs each grant, usable wherever a Lock is.
 * const logged: LockSource = {
 *   acquire$: () => lock.acquire$().pipe(tap((h) => console.log('holding', h.key))),
 * };
 * report$.pipe(withLock(logged));
 * ```
 */
export interface LockSource {
  /** A cold Observable that acquires on subscribe, emits the held handle once, and releases on unsubscribe. */
  acquire$(): Observable<LockHandle>;
}

/**
 * The work given to {@link withLock} as a factory: called with the held handle once the lock
 * is held, it returns an Observable (mirrored value by value), a Promise (its one value), or
 * a plain value (emitted as one value, arrays included).
 *
 * @example
 * ```ts
 * const work: LockedWork<Invoice[]> = (handle) => fetchInvoices({ signal: handle.signal });
 * const invoices = await lastValueFrom(withLock(lock, work));
 * ```
 */
export type LockedWork<T> = (handle: LockHandle) => Observable<T> | PromiseLike<T> | T;

/**
 * Runs work only while holding `lock`. Two spellings:
 *
 * - `withLock(lock, (handle) => work)`: a cold Observable that acquires on subscribe, then
 *   calls the factory with the held {@link LockHandle}. Use it for Promise work: the factory
 *   starts the work only after the grant, and can pass `handle.signal` to it.
 * - `work$.pipe(withLock(lock))`: an operator that subscribes to `work$` once the lock is held.
 *   Only for cold Observables. **Pitfall:** `from(doWork()).pipe(withLock(lock))` runs `doWork()`
 *   without the lock: a Promise is eager, so the work started when `doWork()` was called, before
 *   anything was acquired; the operator only waits for its result. Use the factory form.
 *
 * Either way the result mirrors the work, and the lock is released when the work completes
 * (the completion, or a Promise's value, is delivered once the backend confirmed the
 * release), errors (the factory's synchronous throw included), or is unsubscribed. If the
 * lock is lost meanwhile, the work's Observable is unsubscribed (a Promise cannot be
 * cancelled: `handle.signal` aborts, pass it on) and the result errors with `LockLostError`;
 * if it cannot be acquired, with `LockTimeoutError` (or `LockBackendError`), and the work is
 * never started. A release that fails after the work completed is the result's error; after
 * the work failed, the work's own error is kept (it says what went wrong first) and the
 * release failure is logged under `NODE_DEBUG=sherlock-rx`.
 *
 * @example
 * ```ts
 * // Promise work: the factory runs only once the lock is held.
 * const total = await lastValueFrom(withLock(lock, (handle) => sumInvoices({ signal: handle.signal })));
 *
 * // Observable work, as an operator.
 * const report = await lastValueFrom(buildReport$().pipe(withLock(new Lock('nightly-report'))));
 * ```
 */
export function withLock<T>(lock: LockSource): MonoTypeOperatorFunction<T>;
export function withLock<T>(lock: LockSource, work: LockedWork<T>): Observable<T>;
export function withLock<T>(lock: LockSource, work?: LockedWork<T>): MonoTypeOperatorFunction<T> | Observable<T> {
  if (work === undefined) return (work$) => whileHeld(lock, () => work$);
  if (typeof work !== 'function') throw new LockConfigurationError('withLock(lock, work): work must be a function, (handle) => work.');
  // defer: a synchronous throw of the factory becomes the work's error (and so releases).
  return whileHeld(lock, (handle) => defer(() => toObservable(work(handle))));
}

/** Observables pass through, Promises (any thenable) give one value, anything else is one value. */
function toObservable<T>(result: Observable<T> | PromiseLike<T> | T): Observable<T> {
  if (isObservable(result)) return result as Observable<T>;
  if (isPromiseLike<T>(result)) return from(result);
  return of(result as T);
}

function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  return typeof (value as PromiseLike<T>).then === 'function';
}

/** Acquires on subscribe, subscribes to `workFor(handle)` once held, and releases after it. */
function whileHeld<T>(lock: LockSource, workFor: (handle: LockHandle) => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
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
        work = workFor(h).subscribe({
          next: (v) => subscriber.next(v),
          error: (err: unknown) =>
            finish(
              () => subscriber.error(err),
              // The release failure is logged as its own lock event (NODE_DEBUG=sherlock-rx, lockEvents$).
              () => subscriber.error(err),
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
