import { Subscriber, type Observable } from 'rxjs';
import { LockError, LockLostError, toBackendError } from '../errors';
import type { AcquisitionClaim } from './acquisition-claim';
import { driverCall, isBoolean } from './call-deadline';
import { monotonicNow } from './clock';
import { emitEvent, eventsWanted, type LockEventFields } from './event-sink';
import type { LockContext } from './lock-context';
import type { LockHandle, LockHandleState } from './lock-handle';
import { renewalSchedulerFor, type RenewalEntry } from './renewal-scheduler';
import { unreferencedTimers, type QueuedTimer } from './timer-queue';
import { validUntil } from './validity';

/** How the held phase reports the end of a hold to its subscriber (the acquisition implements it: no object per hold). */
export interface HoldEvents {
  holdLost(err: LockLostError): void;
  holdReleased(): void;
}

/** After a renewal that could not reach the backend, try again this often (ms), until the deadline. */
const RENEW_RETRY_MIN = 50;

/**
 * The engine's implementation of {@link LockHandle}: the local validity deadline, automatic
 * renewal, backend loss notifications and the one release, for one grant.
 */
export class HeldLock implements LockHandle, RenewalEntry {
  /** {@link RenewalEntry}: kept by the renewal scheduler. */
  renewDueAt = -1;
  /** {@link RenewalEntry}: kept by the renewal scheduler. */
  renewSendableAt = -1;
  private _state: LockHandleState = 'held';
  private _expiresAt: number | null;
  /** Created on first use of `signal`: most holds never look at it, and it costs ~5 µs. */
  private abort: AbortController | undefined;
  /** Whether the hold has ended (released and answered, or lost): the signal then aborts with {@link endReason}. */
  private ended = false;
  /** The abort reason of a released hold, made on first use: a `LockError` built per release cost ~15% of a cycle (its stack). */
  private releasedReason: LockError | undefined;
  /** The validity deadline's entry in the shared timer queue, made once and moved on each renewal. */
  private deadline: ValidityDeadline | undefined;
  private renewalScheduled = false;
  private lossWatch: LossWatch | undefined;
  private lostError: LockLostError | undefined;
  private releaseOutcome: Promise<void> | undefined;
  private monitoring = false;

  constructor(
    private readonly ctx: LockContext,
    private readonly claim: AcquisitionClaim,
    readonly fencingToken: number | bigint | undefined,
    /** Monotonic time the granting request was sent: validity counts from there. */
    grantSentAt: number,
    /** Monotonic time of the grant, for `heldMs` in events (the caller has just read the clock). */
    private readonly grantedAt: number,
    private readonly events: HoldEvents,
  ) {
    this._expiresAt = validUntil(grantSentAt, ctx.options.expire);
  }

  // Read through rather than copied: three fewer fields on each of possibly thousands of holds.
  get name(): string {
    return this.ctx.name;
  }
  get key(): string {
    return this.ctx.key;
  }
  get token(): string {
    return this.claim.target.token;
  }
  get target() {
    return this.claim.target;
  }
  get state(): LockHandleState {
    return this._state;
  }
  get expiresAt(): number | null {
    return this._expiresAt;
  }
  get signal(): AbortSignal {
    if (!this.abort) {
      this.abort = new AbortController();
      if (this._state !== 'held') this.abort.abort(this.ended ? this.endReason() : undefined);
    }
    return this.abort.signal;
  }

  /** Starts the deadline timer, auto-renewal and the backend's loss watch. */
  startMonitoring(): void {
    if (this._state !== 'held' || this.monitoring) return;
    this.monitoring = true;
    this.armDeadline();
    this.scheduleRenewal();
    if (!this.ctx.driver.watchLoss) return;
    let loss$: Observable<unknown>;
    try {
      loss$ = this.ctx.driver.watchLoss(this.target);
    } catch (cause) {
      // Without its loss watch the hold cannot be vouched for: report it lost rather than guess.
      this.lose(`the ${this.ctx.backend} backend could not watch it`, cause);
      return;
    }
    this.lossWatch = new LossWatch(this);
    loss$.subscribe(this.lossWatch);
  }

  /** @internal Called by {@link LossWatch}: the backend reported the lock lost. */
  lossReported(cause?: unknown): void {
    this.lose(`the ${this.ctx.backend} backend reported it lost`, cause);
  }

  async renew(): Promise<boolean> {
    if (this._state !== 'held') return false;
    const sentAt = monotonicNow();
    let ours: boolean;
    try {
      ours = await driverCall(this.ctx.driver, () => this.ctx.driver.renew(this.target), isBoolean);
    } catch (err) {
      const error = toBackendError(err, this.name, this.ctx.backend, 'renew');
      if (this._state === 'held' && eventsWanted(this.ctx)) {
        emitEvent(this.ctx, this.token, { type: 'renew-failed', error, retryInMs: null });
      }
      throw error;
    }
    this.renewed(sentAt, ours);
    return ours && this._state === 'held';
  }

  release(): Promise<void> {
    this.releaseOutcome ??= this.releaseOnce();
    return this.releaseOutcome;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }

  /** Subscriber left: stop everything and release in the background (teardown is synchronous). */
  teardown(): void {
    this.stopMonitoring();
    if (this._state === 'held') {
      // A failure is reported as an event by releaseOnce(); nobody else is left to tell.
      this.release().catch(() => undefined);
    }
  }

  /** {@link RenewalEntry}: a renewal sent at `sentAt` came back. */
  renewed(sentAt: number, stillOurs: boolean): void {
    if (this._state !== 'held') return;
    if (!stillOurs) {
      this.lose('a renewal found it expired or taken by another owner');
      return;
    }
    const renewedUntil = validUntil(sentAt, this.ctx.options.expire);
    if (renewedUntil !== null) this._expiresAt = Math.max(this._expiresAt ?? 0, renewedUntil);
    if (eventsWanted(this.ctx)) {
      const validForMs = this._expiresAt === null ? null : this._expiresAt - monotonicNow();
      emitEvent(this.ctx, this.token, { type: 'renewed', validForMs });
    }
    this.armDeadline();
    this.scheduleRenewal();
  }

  /** {@link RenewalEntry}: the backend could not be asked; keep trying until the deadline decides. */
  failed(err: unknown): void {
    if (this._state !== 'held') return;
    const retries = this.ctx.options.autoRenew && this._expiresAt !== null;
    const expire = this.ctx.options.expire ?? 0;
    const retryIn = Math.max(RENEW_RETRY_MIN, expire / 10);
    if (eventsWanted(this.ctx)) {
      const error = toBackendError(err, this.name, this.ctx.backend, 'renew');
      emitEvent(this.ctx, this.token, { type: 'renew-failed', error, retryInMs: retries ? retryIn : null });
    }
    if (!retries) return;
    this.renewalScheduled = true;
    renewalSchedulerFor(this.ctx.driver).schedule(this, monotonicNow() + retryIn, 0);
  }

  private releaseOnce(): Promise<void> {
    if (this._state === 'lost') return Promise.reject(this.lostError!);
    this._state = 'released';
    this.stopMonitoring();
    const ended = (): void => {
      this.end();
      this.events.holdReleased();
    };
    return this.claim.release().then(
      (deleted) => {
        ended();
        if (!deleted) {
          const reason = 'it was no longer held when released: it expired or was taken by another owner';
          const error = new LockLostError(`Lock "${this.name}" was no longer held when released: it expired or was taken by another owner.`, {
            lockName: this.name,
          });
          if (eventsWanted(this.ctx)) emitEvent(this.ctx, this.token, this.lostFields(reason, error));
          throw error;
        }
        if (eventsWanted(this.ctx)) emitEvent(this.ctx, this.token, { type: 'released', heldMs: monotonicNow() - this.grantedAt });
      },
      (err: unknown) => {
        if (eventsWanted(this.ctx)) {
          const error = toBackendError(err, this.name, this.ctx.backend, 'release');
          emitEvent(this.ctx, this.token, { type: 'backend-error', operation: 'release', error });
        }
        ended();
        throw err;
      },
    );
  }

  private lostFields(reason: string, error: LockLostError): LockEventFields {
    const now = monotonicNow();
    return {
      type: 'lost',
      reason,
      error,
      beforeDeadlineMs: this._expiresAt === null ? null : Math.max(0, this._expiresAt - now),
      heldMs: now - this.grantedAt,
    };
  }

  private lose(why: string, cause?: unknown): void {
    if (this._state !== 'held') return;
    this._state = 'lost';
    this.lostError = new LockLostError(`Lock "${this.name}" was lost: ${why}.`, { lockName: this.name, cause });
    this.stopMonitoring();
    // Best effort: the key may still be ours on the server (e.g. our clock ran ahead).
    this.claim.dispose();
    if (eventsWanted(this.ctx)) emitEvent(this.ctx, this.token, this.lostFields(why, this.lostError));
    this.end();
    this.events.holdLost(this.lostError);
  }

  /** Aborts the signal now if it exists (else it aborts when first asked for). */
  private end(): void {
    this.ended = true;
    this.abort?.abort(this.endReason());
  }

  /** Why the hold ended: its `LockLostError`, or a `LockError` saying it was released (one object per hold). */
  private endReason(): unknown {
    return this.lostError ?? (this.releasedReason ??= new LockError(`Lock "${this.name}" was released.`, { lockName: this.name }));
  }

  /**
   * The loss at the validity deadline, on the shared unreferenced timer queue (a held lock
   * alone must not keep the process alive). Moved in place on each renewal: with one entry
   * and closure made per renewal, 10,000 renewed holds spent a visible share of their CPU
   * and heap on deadlines that were all replaced before they fired.
   */
  private armDeadline(): void {
    if (this._expiresAt === null || !this.monitoring) return;
    this.deadline ??= new ValidityDeadline(this);
    unreferencedTimers.moveTo(this.deadline, this._expiresAt);
  }

  /** @internal Called by {@link ValidityDeadline} when the queue reaches it. */
  deadlineReached(): void {
    if (this._state !== 'held') return;
    if (this._expiresAt !== null && monotonicNow() >= this._expiresAt) {
      this.lose(`its expiry (${this.ctx.options.expire} ms) passed without a renewal`);
    } else {
      this.armDeadline();
    }
  }

  private scheduleRenewal(): void {
    const expire = this.ctx.options.expire;
    if (!this.monitoring || !this.ctx.options.autoRenew || expire === null || this._expiresAt === null) return;
    const interval = expire / 3;
    this.renewalScheduled = true;
    renewalSchedulerFor(this.ctx.driver).schedule(this, this._expiresAt - 2 * interval, interval / 4);
  }

  private stopMonitoring(): void {
    this.monitoring = false;
    if (this.deadline) unreferencedTimers.cancel(this.deadline);
    // Only a hold that was ever scheduled can be in the scheduler (the lookup is not free).
    if (this.renewalScheduled) renewalSchedulerFor(this.ctx.driver).cancel(this);
    this.renewalScheduled = false;
    this.lossWatch?.unsubscribe();
    this.lossWatch = undefined;
  }
}

/**
 * The subscriber of a hold's loss watch: a `Subscriber` of its own, which RxJS subscribes as
 * it is (a plain observer got wrapped in two more objects, and its two callbacks were closures,
 * on every grant).
 */
class LossWatch extends Subscriber<unknown> {
  constructor(private readonly hold: HeldLock) {
    super();
  }

  protected override _next(): void {
    this.hold.lossReported();
  }

  protected override _error(cause: unknown): void {
    this.unsubscribe();
    this.hold.lossReported(cause);
  }

  protected override _complete(): void {
    this.unsubscribe(); // the backend stopped watching; the validity deadline still guards the hold
  }
}

/** A hold's validity deadline as a timer-queue entry of its own: no closure, reused across renewals. */
class ValidityDeadline implements QueuedTimer {
  at = 0;
  index = -1;
  lane: QueuedTimer['lane'] = undefined;

  constructor(private readonly hold: HeldLock) {}

  fire(): void {
    this.hold.deadlineReached();
  }
}
