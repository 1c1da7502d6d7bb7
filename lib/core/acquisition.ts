/**
 * One subscription to `acquire$()`: a fast first attempt, then `retry` with a delay notifier
 * and `timeout()`.
 *
 * - The first attempt is made directly on subscribe, and a grant on it goes straight to the
 *   hold: no operator chain and no timer beyond the shared timer queue's deadline. Profiled, the
 *   operator chain (`defer`, `retry`, `timeout`, `switchMap`, `finalize`, one subscriber each)
 *   and its timers were most of the engine's own cost on an uncontended acquire+release
 *   (issue 13); without a busy answer there is nothing to retry and nothing to wait for.
 * - From the first busy answer on, the waiting is the RxJS pipeline the architecture states:
 *   the attempt as an Observable, `retry({ delay })` whose delay notifier is this waiter's turn
 *   (behind this process's earlier waiters of the lock, woken at once by a release made here,
 *   by the backend's release signal, or by backoff polling), and
 *   `timeout({ first: <remaining ms>, with: <give up> })`. Its grant goes to the same hold.
 */
import { EMPTY, Observable, from, of, retry, switchMap, throwError, timeout, type Subscriber, type Subscription } from 'rxjs';
import { LockTimeoutError, toBackendError, type LockLostError } from '../errors';
import { AcquisitionClaim } from './acquisition-claim';
import { monotonicNow } from './clock';
import type { AcquireAttempt, LockTarget } from './driver';
import { emitEvent, eventsWanted } from './event-sink';
import { WAITING_EVENT_INTERVAL } from './events';
import { HeldLock, type HoldEvents } from './held-lock';
import type { LockContext } from './lock-context';
import type { LockHandle } from './lock-handle';
import { nextArrival, type LocalQueue, type LocalWaiter } from './local-queue';
import { localQueueFor, localQueueOf } from './release-bus';
import { ReleaseWaker } from './release-waker';
import { referencedTimers, type QueuedTimer } from './timer-queue';
import { timerQueueScheduler } from './timer-queue-scheduler';
import { newOwnerToken } from './token';
import { validUntil } from './validity';

/** What a busy lock does once the wait is over: error with `LockTimeoutError`, or complete empty. */
export type WhenBusy = 'error' | 'complete';

/** Internal: an attempt found the lock busy (drives `retry`, never escapes). */
class LockBusy {}

/**
 * Internal: the lock was granted, but the answer came back after the grant's validity deadline
 * (a stalled server or connection). The server may already have let someone else in, so the
 * grant is withdrawn and counts as busy; the retry follows at once.
 */
class StaleGrant extends LockBusy {}

const BUSY = new LockBusy();
const STALE_GRANT = new StaleGrant();

interface Grant {
  readonly fencingToken: number | bigint | undefined;
  /** Monotonic time the granting request was sent: validity counts from there. */
  readonly sentAt: number;
  /** Monotonic time the grant was received. */
  readonly at: number;
}

type Phase =
  /** A `tryAcquire` is in flight. */
  | 'attempting'
  /** Head of the local queue, waiting for a release signal or its next poll. */
  | 'waiting'
  /** Behind other local waiters: waits for its turn without asking the backend. */
  | 'queued'
  /** Granted: the {@link HeldLock} runs the hold. */
  | 'held'
  /** Gave up, failed or unsubscribed: every answer from now on is ignored. */
  | 'ended';

/**
 * The engine behind `acquireLock` and `tryAcquireLock`: acquires on start, retries while
 * busy (in arrival order with this process's other waiters of the lock), gives up after
 * `waitFor` ms, emits one handle and holds it until teardown.
 */
export class Acquisition implements LocalWaiter, HoldEvents {
  readonly arrival = nextArrival();
  /** The same object for every call of this acquisition: drivers may key state by it. */
  private readonly target: LockTarget;
  private readonly claim: AcquisitionClaim;
  private readonly startedAt = monotonicNow();
  private phase: Phase = 'attempting';
  private attempts = 0;
  /** A release woke us while an attempt was in flight: its busy answer is followed by a retry at once. */
  private wokenDuringAttempt = false;
  /** The deadline of the direct first attempt; the waiting pipeline has `timeout()` instead. */
  private firstDeadline: QueuedTimer | undefined;
  /** The waiting pipeline, from the first busy answer on. */
  private waiting: Subscription | undefined;
  /** The `retry` delay notifier waiting for our turn, while one is subscribed. */
  private turn: Subscriber<void> | undefined;
  /** Made on the first wait for a release: an uncontended acquire never needs one. */
  private waker: ReleaseWaker | undefined;
  private nextPoll: Subscription | undefined;
  private waitingTicker: NodeJS.Timeout | undefined;
  /** This lock's local queue once we joined it; undefined for a backend that orders waiters itself. */
  private queue: LocalQueue | undefined;
  private held: HeldLock | undefined;

  constructor(
    private readonly ctx: LockContext,
    private readonly waitFor: number,
    private readonly whenBusy: WhenBusy,
    private readonly subscriber: Subscriber<LockHandle>,
  ) {
    this.target = { name: ctx.name, key: ctx.key, token: newOwnerToken(), expire: ctx.options.expire };
    this.claim = new AcquisitionClaim(ctx.driver, this.target);
  }

  /** Called once, on subscribe. */
  start(): void {
    if (eventsWanted(this.ctx)) emitEvent(this.ctx, this.target.token, { type: 'acquiring', timeout: this.waitFor });
    // A newcomer that finds local waiters queues behind them instead of trying at once: the
    // queue's "busy" stands for the backend's, and for `acquire(false)` it is the answer.
    const localWaiters = this.ctx.driver.ordersWaiters ? undefined : localQueueOf(this.ctx.driver, this.ctx.key);
    if (!localWaiters || localWaiters.isEmpty) this.attemptFirst();
    else if (this.waitFor === 0) this.giveUpNow();
    else this.wait(BUSY);
  }

  /**
   * Called once, on unsubscribe, error or complete: the acquisition is its Observable's
   * teardown (RxJS calls `unsubscribe()` on an object it is given), so no closure per subscription.
   */
  unsubscribe(): void {
    this.held?.teardown();
    this.stopWaiting(false);
    this.waiting?.unsubscribe();
    if (!this.claim.isReleased) this.claim.dispose();
  }

  /** {@link LocalWaiter}: our turn to ask the backend. */
  promoted(afterGrant: boolean): void {
    if (this.phase !== 'queued') return;
    if (afterGrant) this.waitForRelease();
    else this.takeTurn();
  }

  /** {@link LocalWaiter}: an earlier arrival is now the head; stop asking the backend. */
  demoted(): void {
    if (this.phase !== 'waiting') return;
    this.cancelPoll();
    this.phase = 'queued';
  }

  /** {@link LocalWaiter}: this process released the lock. */
  wake(): void {
    if (this.phase === 'attempting') this.wokenDuringAttempt = true;
    else if (this.phase === 'waiting') this.takeTurn();
  }

  /** The fast path: one attempt straight away, its grant straight to the hold. */
  private attemptFirst(): void {
    // An in-process driver answers on a microtask, long before any deadline could pass, and a
    // busy answer sets up the waiting pipeline's own timeout.
    if (this.waitFor > 0 && this.waitFor !== Infinity && this.ctx.driver.inProcess !== true) {
      this.firstDeadline = referencedTimers.scheduleAt(this.startedAt + this.waitFor, () => this.giveUpNow());
    }
    this.attempts = 1;
    // If we are gone when the answer comes, the claim's release covers a late grant.
    this.claim.attemptThen(
      (answer) => {
        if (this.phase !== 'attempting') return;
        // The first attempt went out as the acquisition started: one clock read for both.
        const from = answer.acquired ? validFrom(answer, this.startedAt) : this.startedAt;
        const now = answer.acquired ? this.usableGrantAt(from) : undefined;
        if (now !== undefined) this.granted(answer.acquired ? answer.fencingToken : undefined, from, now);
        else if (this.waitFor === 0) this.giveUpNow();
        else this.wait(answer.acquired ? STALE_GRANT : BUSY);
      },
      (err: unknown) => {
        if (this.phase !== 'attempting') return;
        this.stopWaiting(false);
        this.reportBackendError(err);
        this.subscriber.error(err);
      },
    );
  }

  /**
   * The waiting pipeline, from the first busy answer (`first`) on: our turn, then the attempt,
   * retried on each busy answer after our next turn, within the time left of `waitFor`.
   */
  private wait(first: LockBusy): void {
    this.cancelFirstDeadline();
    const left = this.waitFor - (monotonicNow() - this.startedAt);
    if (left <= 0) {
      this.giveUpNow(); // the first answer took the whole wait
      return;
    }
    this.startWaitingTicker();
    const attempt$ = new Observable<Grant>((answer) => this.attempt(answer));
    let grant$ = this.afterBusy(first).pipe(
      switchMap(() => attempt$.pipe(retry({ delay: (reason: unknown) => this.afterBusy(reason) }))),
    );
    if (left !== Infinity) {
      // `first` only: a plain timeout(ms) would also fire while the lock is held.
      grant$ = grant$.pipe(timeout({ first: left, with: () => this.giveUp$(), scheduler: timerQueueScheduler }));
    }
    this.waiting = grant$.subscribe({
      next: (grant) => this.granted(grant.fencingToken, grant.sentAt, grant.at),
      error: (err: unknown) => {
        this.stopWaiting(false);
        this.subscriber.error(err);
      },
      // Only a give-up with `whenBusy: 'complete'` completes without a grant.
      complete: () => {
        if (this.phase === 'held') return;
        this.stopWaiting(false);
        this.subscriber.complete();
      },
    });
  }

  /** One attempt of the waiting pipeline: `answer` gets the grant, or an error saying why not. */
  private attempt(answer: Subscriber<Grant>): void {
    this.phase = 'attempting';
    this.wokenDuringAttempt = false;
    const sentAt = monotonicNow();
    this.attempts++;
    this.waker?.attemptStarted();
    this.claim.attempt().then(
      (attempt) => {
        if (answer.closed) return;
        const from = attempt.acquired ? validFrom(attempt, sentAt) : sentAt;
        const now = attempt.acquired ? this.usableGrantAt(from) : undefined;
        if (now !== undefined) {
          answer.next({ fencingToken: attempt.acquired ? attempt.fencingToken : undefined, sentAt: from, at: now });
          answer.complete();
        } else {
          answer.error(attempt.acquired ? STALE_GRANT : BUSY);
        }
      },
      (err: unknown) => answer.error(err),
    );
  }

  /** The `retry` delay notifier: when to ask again after `reason`, or the failure to pass on. */
  private afterBusy(reason: unknown): Observable<unknown> {
    if (!(reason instanceof LockBusy)) {
      this.reportBackendError(reason);
      return throwError(() => reason);
    }
    // The claim makes this retry wait for the withdrawal's delete.
    if (reason instanceof StaleGrant) return of(undefined);
    return this.nextTurn$();
  }

  /** Emits once when it is our turn again: see {@link promoted}, {@link demoted} and {@link wake}. */
  private nextTurn$(): Observable<void> {
    return new Observable<void>((turn) => {
      if (!this.ctx.driver.ordersWaiters && !this.queue) {
        this.queue = localQueueFor(this.ctx.driver, this.ctx.key);
        this.queue.join(this);
      }
      this.turn = turn;
      if (this.queue && this.queue.head !== this) this.phase = 'queued';
      else if (this.wokenDuringAttempt) this.takeTurn();
      else this.waitForRelease();
      return () => {
        // Still waiting (a timeout or teardown): stop the poll. After takeTurn, a later turn may own it.
        if (this.turn !== turn) return;
        this.turn = undefined;
        this.cancelPoll();
      };
    });
  }

  private waitForRelease(): void {
    this.phase = 'waiting';
    this.waker ??= new ReleaseWaker(this.ctx.driver, this.target);
    this.nextPoll = this.waker.nextAttempt(this.ctx.options.retryInterval).subscribe(() => this.takeTurn());
  }

  private takeTurn(): void {
    const turn = this.turn;
    this.turn = undefined;
    this.cancelPoll();
    turn?.next();
    turn?.complete();
  }

  /**
   * The grant to a request sent at `sentAt` has come back: the time now if it can be used,
   * undefined if it came back too late to use (then it is given back). The one clock read
   * serves as the grant's time too.
   */
  private usableGrantAt(sentAt: number): number | undefined {
    const now = monotonicNow();
    if (!isStale(sentAt, this.ctx.options.expire, now)) return now;
    this.claim.withdraw();
    return undefined;
  }

  private granted(fencingToken: number | bigint | undefined, sentAt: number, now: number): void {
    this.stopWaiting(true);
    this.waiting?.unsubscribe();
    this.waiting = undefined;
    this.phase = 'held';
    if (eventsWanted(this.ctx)) {
      emitEvent(this.ctx, this.target.token, { type: 'acquired', waitMs: now - this.startedAt, attempts: this.attempts, fencingToken });
    }
    const subscriber = this.subscriber;
    const handle = new HeldLock(this.ctx, this.claim, fencingToken, sentAt, now, this);
    this.held = handle;
    subscriber.next(handle);
    // The subscriber may have left during next() (e.g. firstValueFrom): teardown followed at once.
    if (!subscriber.closed) handle.startMonitoring();
  }

  /** {@link HoldEvents}: the hold was lost. */
  holdLost(err: LockLostError): void {
    this.subscriber.error(err);
  }

  /** {@link HoldEvents}: the hold was released. */
  holdReleased(): void {
    this.subscriber.complete();
  }

  /** `timeout()`'s `with`: gives up, then errors with `LockTimeoutError` or completes empty. */
  private giveUp$(): Observable<never> {
    return from(this.giveUp()).pipe(switchMap((error) => (error ? throwError(() => error) : EMPTY)));
  }

  /** Gives up outside the pipeline (busy with `waitFor` 0, or the first attempt's deadline). */
  private giveUpNow(): void {
    if (this.phase === 'ended' || this.phase === 'held') return;
    void this.giveUp().then((error) => (error ? this.subscriber.error(error) : this.subscriber.complete()));
  }

  /**
   * The wait is over without a grant. What the attempts left on the server is deleted before
   * the caller hears "busy" (see `AcquisitionClaim.releaseBeforeGivingUp`). Resolves with the
   * error to answer, or undefined to complete empty.
   */
  private giveUp(): Promise<LockTimeoutError | undefined> {
    this.stopWaiting(false);
    const waitMs = monotonicNow() - this.startedAt;
    return this.claim.releaseBeforeGivingUp().then(() => {
      if (eventsWanted(this.ctx)) {
        emitEvent(this.ctx, this.target.token, { type: 'timed-out', timeout: this.waitFor, waitMs, attempts: this.attempts });
      }
      if (this.whenBusy === 'complete') return undefined;
      const message =
        this.waitFor === 0
          ? `Lock "${this.ctx.name}" is held by another owner.`
          : `Lock "${this.ctx.name}" was not acquired within ${this.waitFor} ms (timeout).`;
      return new LockTimeoutError(message, { lockName: this.ctx.name });
    });
  }

  /**
   * Stops waiting: leaves the local queue (`granted`: with the lock) and stops every timer and
   * watch. The pipeline itself is left to its caller: a give-up still answers through it.
   */
  private stopWaiting(granted: boolean): void {
    if (this.phase === 'ended' || this.phase === 'held') return;
    this.phase = 'ended';
    this.cancelFirstDeadline();
    this.turn = undefined;
    this.cancelPoll();
    this.waker?.stop();
    if (this.waitingTicker) clearInterval(this.waitingTicker);
    this.waitingTicker = undefined;
    this.queue?.leave(this, granted);
  }

  private cancelFirstDeadline(): void {
    if (this.firstDeadline) referencedTimers.cancel(this.firstDeadline);
    this.firstDeadline = undefined;
  }

  private cancelPoll(): void {
    this.nextPoll?.unsubscribe();
    this.nextPoll = undefined;
  }

  private reportBackendError(err: unknown): void {
    if (!eventsWanted(this.ctx)) return;
    const error = toBackendError(err, this.ctx.name, this.ctx.backend, 'acquire');
    emitEvent(this.ctx, this.target.token, { type: 'backend-error', operation: 'acquire', error });
  }

  /** The `waiting` events, from the first busy answer on; checks for listeners on each tick. */
  private startWaitingTicker(): void {
    if (this.waitingTicker) return;
    this.waitingTicker = setInterval(() => {
      if (eventsWanted(this.ctx)) {
        emitEvent(this.ctx, this.target.token, { type: 'waiting', elapsedMs: monotonicNow() - this.startedAt, attempts: this.attempts });
      }
    }, WAITING_EVENT_INTERVAL);
    // Unreferenced: the wait itself keeps the process alive if anything does.
    this.waitingTicker.unref();
  }
}

/** Where a grant's validity counts from: the request's send time, or earlier for a grant the server made before it. */
function validFrom(grant: AcquireAttempt & { acquired: true }, sentAt: number): number {
  return grant.grantedAfter !== undefined && grant.grantedAfter < sentAt ? grant.grantedAfter : sentAt;
}

/** Whether a grant whose request was sent at `sentAt` is already past its validity deadline. */
function isStale(sentAt: number, expire: number | null, now: number): boolean {
  const deadline = validUntil(sentAt, expire);
  return deadline !== null && now >= deadline;
}
