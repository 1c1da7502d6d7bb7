import { EMPTY, Observable, defer, finalize, from, retry, switchMap, throwError, timeout, timer } from 'rxjs';
import type { AcquireAttempt } from './driver';
import { LockTimeoutError, toBackendError } from '../errors';
import { AcquisitionClaim } from './acquisition-claim';
import { monotonicNow } from './clock';
import { validUntil } from './validity';
import { HeldLock } from './held-lock';
import type { LockContext } from './lock-context';
import type { LockHandle } from './lock-handle';
import { ReleaseWaker } from './release-waker';
import { newOwnerToken } from './token';
import { emitEvent, eventsWanted } from './event-sink';
import { WAITING_EVENT_INTERVAL } from './events';

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

/** Internal: the lock was busy on one attempt (drives `retry`, never escapes). */
class LockBusy {
  constructor(readonly attempt: AcquireAttempt) {}
}

/**
 * Internal: the lock was granted, but the answer came back after the grant's validity
 * deadline (a stalled server or connection). Handing it out would tell the caller it holds a
 * lock that the server may already have given to someone else, so the grant is withdrawn and
 * the attempt counts as busy; the retry follows at once.
 */
class StaleGrant extends LockBusy {}

interface Grant {
  readonly fencingToken: number | bigint | undefined;
  readonly sentAt: number;
}

/**
 * The engine: a cold Observable that acquires the lock described by `ctx` on subscribe,
 * retries while it is busy (woken early by release notifications), gives up with
 * `LockTimeoutError` after `timeout` ms, emits one {@link LockHandle}, holds the lock while
 * subscribed, and releases it on unsubscribe, error or complete. Errors with
 * `LockLostError` if the lock is lost while held, `LockBackendError` if the backend fails.
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
function acquisition(ctx: LockContext, waitFor: number, whenBusy: 'error' | 'complete'): Observable<LockHandle> {
  return defer(() => {
    const target = { name: ctx.name, key: ctx.key, token: newOwnerToken(), expire: ctx.options.expire };
    const claim = new AcquisitionClaim(ctx.driver, target);
    // Made on the first busy answer: an uncontended acquire never needs one.
    let waker: ReleaseWaker | undefined;
    const startedAt = monotonicNow();
    let attempts = 0;
    // Started on the first busy answer, like the waker; checks for listeners on each tick.
    let waitingTicker: NodeJS.Timeout | undefined;
    const stopWaiting = () => {
      if (waitingTicker) clearInterval(waitingTicker);
      waitingTicker = undefined;
    };
    if (eventsWanted(ctx)) emitEvent(ctx, target.token, { type: 'acquiring', timeout: waitFor });
    const timedOut = () => {
      stopWaiting();
      if (eventsWanted(ctx)) {
        emitEvent(ctx, target.token, { type: 'timed-out', timeout: waitFor, waitMs: monotonicNow() - startedAt, attempts });
      }
    };
    // What the attempts left on the server is deleted before the caller hears "busy" (see
    // AcquisitionClaim.releaseBeforeGivingUp).
    const afterCleanup = <T>(outcome: () => Observable<T>): Observable<T> =>
      from(claim.releaseBeforeGivingUp()).pipe(switchMap(outcome));
    const timeoutError = () => {
      timedOut();
      return new LockTimeoutError(
        waitFor === 0
          ? `Lock "${ctx.name}" is held by another owner.`
          : `Lock "${ctx.name}" was not acquired within ${waitFor} ms (timeout).`,
        { lockName: ctx.name },
      );
    };

    const attempt$ = new Observable<Grant>((subscriber) => {
      const sentAt = monotonicNow();
      attempts++;
      waker?.attemptStarted();
      // If the subscriber is gone when the answer comes, the claim's release covers a late grant.
      claim.attempt().then(
        (attempt) => {
          if (subscriber.closed) return;
          if (attempt.acquired && isStale(sentAt, ctx.options.expire)) {
            claim.withdraw();
            subscriber.error(new StaleGrant({ acquired: false }));
          } else if (attempt.acquired) {
            subscriber.next({ fencingToken: attempt.fencingToken, sentAt });
            subscriber.complete();
          } else {
            subscriber.error(new LockBusy(attempt));
          }
        },
        (err: unknown) => subscriber.error(err),
      );
    });

    const startWaitingTicker = () => {
      const ticker = setInterval(() => {
        if (eventsWanted(ctx)) emitEvent(ctx, target.token, { type: 'waiting', elapsedMs: monotonicNow() - startedAt, attempts });
      }, WAITING_EVENT_INTERVAL);
      // Unreferenced: the wait itself keeps the process alive if anything does.
      ticker.unref();
      return ticker;
    };

    let grant$ = attempt$.pipe(
      retry({
        delay: (err: unknown) => {
          if (!(err instanceof LockBusy)) {
            stopWaiting();
            if (eventsWanted(ctx)) {
              const error = toBackendError(err, ctx.name, ctx.backend, 'acquire');
              emitEvent(ctx, target.token, { type: 'backend-error', operation: 'acquire', error });
            }
            return throwError(() => err);
          }
          // A notifier that completes without emitting makes the retried source complete.
          if (waitFor === 0) {
            if (whenBusy === 'error') return afterCleanup(() => throwError(timeoutError));
            return afterCleanup(() => {
              timedOut();
              return EMPTY;
            });
          }
          waitingTicker ??= startWaitingTicker();
          if (err instanceof StaleGrant) return timer(0);
          waker ??= new ReleaseWaker(ctx.driver, target);
          return waker.nextAttempt(ctx.options.retryInterval);
        },
      }),
    );
    if (waitFor > 0 && waitFor !== Infinity) {
      // `first` only: a plain timeout(ms) would also fire while the lock is held.
      grant$ = grant$.pipe(timeout({ first: waitFor, with: () => afterCleanup(() => throwError(timeoutError)) }));
    }

    return grant$.pipe(
      switchMap((grant) => {
        waker?.stop();
        stopWaiting();
        if (eventsWanted(ctx)) {
          emitEvent(ctx, target.token, { type: 'acquired', waitMs: monotonicNow() - startedAt, attempts, fencingToken: grant.fencingToken });
        }
        return hold$(ctx, claim, grant);
      }),
      finalize(() => {
        waker?.stop();
        stopWaiting();
        claim.dispose();
      }),
    );
  });
}

/** The held phase: emits the handle, stays open while held, releases on teardown. */
function hold$(ctx: LockContext, claim: AcquisitionClaim, grant: Grant): Observable<LockHandle> {
  return new Observable<LockHandle>((subscriber) => {
    const handle = new HeldLock(ctx, claim, grant.fencingToken, grant.sentAt, {
      lost: (err) => subscriber.error(err),
      released: () => subscriber.complete(),
    });
    subscriber.next(handle);
    // The subscriber may have left during next() (e.g. firstValueFrom): teardown follows at once.
    if (!subscriber.closed) handle.startMonitoring();
    return () => handle.teardown();
  });
}

/** Whether a grant whose request was sent at `sentAt` is already past its validity deadline. */
function isStale(sentAt: number, expire: number | null): boolean {
  const deadline = validUntil(sentAt, expire);
  return deadline !== null && monotonicNow() >= deadline;
}
