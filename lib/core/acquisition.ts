/**
 * One subscription to `acquire$()`, as an explicit state machine rather than a chain of RxJS
 * operators. Profiled, the operator chain (`defer`, `retry`, `timeout`, `switchMap`,
 * `finalize`, one subscriber each) and its timers were most of the engine's own cost on an
 * uncontended acquire+release; the machinery for waiting (release watch, polling, the
 * `waiting` ticker) is built only on the first busy answer.
 */
import type { Subscriber, Subscription } from 'rxjs';
import { LockTimeoutError, toBackendError } from '../errors';
import { AcquisitionClaim } from './acquisition-claim';
import { monotonicNow } from './clock';
import type { AcquireAttempt, LockTarget } from './driver';
import { emitEvent, eventsWanted } from './event-sink';
import { WAITING_EVENT_INTERVAL } from './events';
import { HeldLock } from './held-lock';
import type { LockContext } from './lock-context';
import type { LockHandle } from './lock-handle';
import { nextArrival, type LocalQueue, type LocalWaiter } from './local-queue';
import { localQueueFor, localQueueOf } from './release-bus';
import { ReleaseWaker } from './release-waker';
import { referencedTimers, type QueuedTimer } from './timer-queue';
import { newOwnerToken } from './token';
import { validUntil } from './validity';

/** What a busy lock does once the wait is over: error with `LockTimeoutError`, or complete empty. */
export type WhenBusy = 'error' | 'complete';

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
export class Acquisition implements LocalWaiter {
  readonly arrival = nextArrival();
  private readonly target: LockTarget;
  private readonly claim: AcquisitionClaim;
  private readonly startedAt = monotonicNow();
  private phase: Phase = 'attempting';
  private attempts = 0;
  /** A release woke us while an attempt was in flight: its busy answer is followed by a retry at once. */
  private wokenDuringAttempt = false;
  /** Made on the first busy answer: an uncontended acquire never needs one. */
  private waker: ReleaseWaker | undefined;
  private nextTry: Subscription | undefined;
  private deadline: QueuedTimer | undefined;
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
    if (this.waitFor > 0 && this.waitFor !== Infinity) {
      this.deadline = referencedTimers.scheduleAt(this.startedAt + this.waitFor, () => this.giveUp());
    }
    // A newcomer that finds local waiters queues behind them instead of trying at once.
    const waiting = this.ctx.driver.ordersWaiters ? undefined : localQueueOf(this.ctx.driver, this.ctx.key);
    if (!waiting || waiting.isEmpty) {
      this.attempt();
    } else if (this.waitFor === 0) {
      this.giveUp();
    } else {
      this.startWaiting();
      this.queue = waiting;
      this.phase = 'queued';
      waiting.join(this);
    }
  }

  /** Called once, on unsubscribe, error or complete. */
  teardown(): void {
    this.held?.teardown();
    this.end(false);
    if (!this.claim.isReleased) this.claim.dispose();
  }

  /** {@link LocalWaiter}: our turn to ask the backend. */
  promoted(afterGrant: boolean): void {
    if (this.phase !== 'queued') return;
    if (afterGrant) this.waitForRelease();
    else this.attempt();
  }

  /** {@link LocalWaiter}: an earlier arrival is now the head; stop asking the backend. */
  demoted(): void {
    if (this.phase !== 'waiting') return;
    this.cancelNextTry();
    this.phase = 'queued';
  }

  /** {@link LocalWaiter}: this process released the lock. */
  wake(): void {
    if (this.phase === 'attempting') {
      this.wokenDuringAttempt = true;
    } else if (this.phase === 'waiting') {
      this.cancelNextTry();
      this.attempt();
    }
  }

  private attempt(): void {
    this.phase = 'attempting';
    this.wokenDuringAttempt = false;
    // The first attempt goes out as the acquisition starts: one clock read for both.
    const sentAt = this.attempts === 0 ? this.startedAt : monotonicNow();
    this.attempts++;
    this.waker?.attemptStarted();
    // If we are gone when the answer comes, the claim's release covers a late grant.
    this.claim.attempt().then(
      (answer) => this.answered(answer, sentAt),
      (err: unknown) => this.failed(err),
    );
  }

  private answered(answer: AcquireAttempt, sentAt: number): void {
    if (this.phase !== 'attempting') return;
    if (!answer.acquired) {
      this.busy(false);
    } else if (isStale(sentAt, this.ctx.options.expire, monotonicNow())) {
      // The grant came back after its validity deadline (a stalled server): the server may
      // already have let someone else in, so it is given back and counts as busy.
      this.claim.withdraw();
      this.busy(true);
    } else {
      this.granted(answer.fencingToken, sentAt);
    }
  }

  private busy(stale: boolean): void {
    if (this.waitFor === 0) {
      this.giveUp();
      return;
    }
    this.startWaiting();
    if (stale) {
      this.attempt(); // the claim makes it wait for the withdrawal
      return;
    }
    if (!this.ctx.driver.ordersWaiters && !this.queue) {
      this.queue = localQueueFor(this.ctx.driver, this.ctx.key);
      this.queue.join(this);
    }
    if (this.queue && this.queue.head !== this) {
      this.phase = 'queued';
    } else if (this.wokenDuringAttempt) {
      this.attempt();
    } else {
      this.waitForRelease();
    }
  }

  private waitForRelease(): void {
    this.phase = 'waiting';
    this.waker ??= new ReleaseWaker(this.ctx.driver, this.target);
    this.nextTry = this.waker.nextAttempt(this.ctx.options.retryInterval).subscribe(() => {
      this.cancelNextTry();
      if (this.phase === 'waiting') this.attempt();
    });
  }

  private granted(fencingToken: number | bigint | undefined, sentAt: number): void {
    this.end(true);
    this.phase = 'held';
    if (eventsWanted(this.ctx)) {
      const waitMs = monotonicNow() - this.startedAt;
      emitEvent(this.ctx, this.target.token, { type: 'acquired', waitMs, attempts: this.attempts, fencingToken });
    }
    const subscriber = this.subscriber;
    const handle = new HeldLock(this.ctx, this.claim, fencingToken, sentAt, {
      lost: (err) => subscriber.error(err),
      released: () => subscriber.complete(),
    });
    this.held = handle;
    subscriber.next(handle);
    // The subscriber may have left during next() (e.g. firstValueFrom): teardown followed at once.
    if (!subscriber.closed) handle.startMonitoring();
  }

  private failed(err: unknown): void {
    if (this.phase !== 'attempting') return;
    this.end(false);
    if (eventsWanted(this.ctx)) {
      const error = toBackendError(err, this.ctx.name, this.ctx.backend, 'acquire');
      emitEvent(this.ctx, this.target.token, { type: 'backend-error', operation: 'acquire', error });
    }
    this.subscriber.error(err);
  }

  /**
   * The wait is over without a grant (timeout, or busy with `waitFor` 0). What the attempts left
   * on the server is deleted before the caller hears "busy" (see
   * `AcquisitionClaim.releaseBeforeGivingUp`).
   */
  private giveUp(): void {
    if (this.phase === 'ended' || this.phase === 'held') return;
    this.end(false);
    const waitMs = monotonicNow() - this.startedAt;
    void this.claim.releaseBeforeGivingUp().then(() => {
      if (eventsWanted(this.ctx)) {
        emitEvent(this.ctx, this.target.token, { type: 'timed-out', timeout: this.waitFor, waitMs, attempts: this.attempts });
      }
      if (this.whenBusy === 'complete') {
        this.subscriber.complete();
        return;
      }
      const message =
        this.waitFor === 0
          ? `Lock "${this.ctx.name}" is held by another owner.`
          : `Lock "${this.ctx.name}" was not acquired within ${this.waitFor} ms (timeout).`;
      this.subscriber.error(new LockTimeoutError(message, { lockName: this.ctx.name }));
    });
  }

  /** Stops waiting: leaves the local queue (`granted`: with the lock) and stops every timer and watch. */
  private end(granted: boolean): void {
    if (this.phase === 'ended' || this.phase === 'held') return;
    this.phase = 'ended';
    if (this.deadline) referencedTimers.cancel(this.deadline);
    this.deadline = undefined;
    this.cancelNextTry();
    this.waker?.stop();
    if (this.waitingTicker) clearInterval(this.waitingTicker);
    this.waitingTicker = undefined;
    this.queue?.leave(this, granted);
  }

  private cancelNextTry(): void {
    this.nextTry?.unsubscribe();
    this.nextTry = undefined;
  }

  /** The `waiting` events, from the first busy answer on; checks for listeners on each tick. */
  private startWaiting(): void {
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

/** Whether a grant whose request was sent at `sentAt` is already past its validity deadline. */
function isStale(sentAt: number, expire: number | null, now: number): boolean {
  const deadline = validUntil(sentAt, expire);
  return deadline !== null && now >= deadline;
}
