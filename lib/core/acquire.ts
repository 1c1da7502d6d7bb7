import { Observable } from 'rxjs';
import { Acquisition, type WhenBusy } from './acquisition';
import type { LockContext } from './lock-context';
import type { LockHandle } from './lock-handle';

/**
 * Per-call options of `lock.acquire$()`.
 *
 * @example
 * ```ts
 * // Wait at most 2 s for this one acquisition, whatever the lock's own timeout.
 * lock.acquire$({ timeout: 2_000 }).pipe(switchMap((handle) => work$(handle.signal)));
 * ```
 */
export interface AcquireObservableOptions {
  /**
   * How long to wait for the lock, in milliseconds; `0` makes exactly one attempt,
   * `Infinity` waits forever. Defaults to the lock's `timeout`.
   */
  timeout?: number;
}

/**
 * The engine: a cold Observable (nothing touches the backend before subscribe) that acquires
 * the lock described by `ctx`, emits one {@link LockHandle}, holds the lock while subscribed,
 * and releases it on unsubscribe, error or complete. Errors with `LockLostError` if the lock
 * is lost while held, `LockBackendError` if the backend fails.
 *
 * How it waits: a fast first attempt, made directly on subscribe, whose grant goes straight
 * to the hold; from the first busy answer on, the attempt as an Observable under
 * `retry({ delay })`, the delay notifier being this waiter's turn (behind this process's
 * earlier waiters, woken at once by a release made here or by the backend's release signal,
 * else backoff polling up to `retryInterval`), and `timeout({ first: <remaining ms> })`,
 * which gives up with `LockTimeoutError` once `timeout` ms have passed since subscribe.
 *
 * @example
 * ```ts
 * acquireLock(ctx, { timeout: 2_000 }).pipe(switchMap((handle) => work$(handle.signal))).subscribe();
 * ```
 */
export function acquireLock(ctx: LockContext, options: AcquireObservableOptions = {}): Observable<LockHandle> {
  return acquisition(ctx, options.timeout ?? ctx.options.timeout, 'error');
}

/**
 * One attempt, with no error for a busy lock: emits one {@link LockHandle} if the lock was
 * free (then holds it like {@link acquireLock}), or completes without emitting if another
 * owner holds it. Backend failures still error (`LockBackendError`). This is the
 * non-blocking `acquire(false)`: "busy" is an answer there, not a failure.
 *
 * @example
 * ```ts
 * tryAcquireLock(ctx).pipe(defaultIfEmpty(null)).subscribe((handle) => handle ? work(handle) : skip());
 * ```
 */
export function tryAcquireLock(ctx: LockContext): Observable<LockHandle> {
  return acquisition(ctx, 0, 'complete');
}

/** `whenBusy`: what a busy lock does once the wait is over: error with LockTimeoutError, or complete empty. */
function acquisition(ctx: LockContext, waitFor: number, whenBusy: WhenBusy): Observable<LockHandle> {
  // Cold: nothing happens before subscribe; each subscription is its own acquisition.
  return new Observable<LockHandle>((subscriber) => {
    const run = new Acquisition(ctx, waitFor, whenBusy, subscriber);
    run.start();
    return run; // its unsubscribe() is the teardown
  });
}
