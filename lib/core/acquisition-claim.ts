import type { AcquireAttempt, LockDriver, LockTarget } from './driver';
import { toBackendError } from '../errors';
import { driverCall, invalidAnswer, isBoolean } from './call-deadline';
import { debug, redactToken } from './debug';
import { announceLocalRelease } from './release-bus';

const NOTHING_IN_FLIGHT: Promise<unknown> = Promise.resolve();

/**
 * What one acquisition (one owner token) may have left on the backend, and the single
 * owner-checked release that cleans it up.
 *
 * RxJS teardown is synchronous and cannot wait for a request in flight, so the grant of a
 * request sent before the subscriber left would leak. The claim closes that gap with state
 * rather than timing: `release()` first waits for the request in flight, then deletes
 * whatever that request may have created. A request that failed (its answer lost, e.g. a
 * dropped connection whose command is replayed later, or one that passed its deadline on a
 * stalled server) counts as "may have created".
 */
export class AcquisitionClaim {
  /**
   * The last request sent (attempt or withdrawal), to wait for before a release or the next
   * attempt: wait with `then(f, f)`, it may reject. Kept as sent, not wrapped in a `catch`: a
   * promise less per attempt, and it is only waited for when a release overtakes an answer.
   */
  private inFlight: Promise<unknown> = NOTHING_IN_FLIGHT;
  /** Whether a `tryAcquire` has been sent and not answered yet. */
  private answerPending = false;
  /** Whether something of ours may exist on the server. */
  private mayExist = false;
  /** A {@link withdraw} the next attempt must wait for (it could otherwise overtake the delete). */
  private withdrawal: Promise<void> | undefined;
  /** Whether a withdrawal's delete is still in flight. */
  private withdrawing = false;
  private released: Promise<boolean> | undefined;

  constructor(
    private readonly driver: LockDriver,
    readonly target: LockTarget,
  ) {}

  /** Whether {@link release} was called (the claim accepts no more attempts). */
  get isReleased(): boolean {
    return this.released !== undefined;
  }

  /** One `tryAcquire`, recorded so that a later release covers its outcome. */
  attempt(): Promise<AcquireAttempt> {
    return new Promise((answered, failed) => this.attemptThen(answered, failed));
  }

  /**
   * {@link attempt} with callbacks: `answered` with the answer, or `failed` with a
   * `LockBackendError`; one promise fewer, for the first attempt of every acquisition. The
   * outcome is recorded before either is called.
   */
  attemptThen(answered: (attempt: AcquireAttempt) => void, failed: (err: unknown) => void): void {
    if (this.released) {
      answered({ acquired: false });
      return;
    }
    if (this.withdrawal) {
      const pending = this.withdrawal;
      this.withdrawal = undefined;
      void pending.then(() => this.attemptThen(answered, failed));
      return;
    }
    this.mayExist = true;
    this.answerPending = true;
    // One step checks the answer, records the outcome, wraps the error and answers.
    this.inFlight = driverCall(this.driver, () => this.driver.tryAcquire(this.target)).then(
      (r) => {
        this.answerPending = false;
        if (!isAcquireAttempt(r)) {
          failed(toBackendError(invalidAnswer(r), this.target.name, this.driver.backend, 'acquire')); // outcome unknown: keep mayExist
          return;
        }
        this.mayExist = r.acquired || r.queued === true;
        answered(r);
      },
      (err: unknown) => {
        this.answerPending = false; // outcome unknown: keep mayExist
        failed(toBackendError(err, this.target.name, this.driver.backend, 'acquire'));
      },
    );
  }

  /**
   * Gives back a grant that must not be used (it arrived after its validity deadline) and
   * keeps the claim open for further attempts. The next {@link attempt} waits for the delete,
   * so a retry can never be answered before it. A failed delete leaves `mayExist` set: the
   * final release (or a re-grant of the same token) covers it.
   */
  withdraw(): void {
    this.withdrawing = true;
    const afterAnswer = async (): Promise<void> => {
      if (!this.mayExist || this.released) {
        this.withdrawing = false;
        return;
      }
      try {
        await driverCall(this.driver, () => this.driver.release(this.target), isBoolean);
        this.mayExist = false;
      } catch (err) {
        debug('withdrawal of stale grant %s on %s failed: %s', redactToken(this.target.token), this.target.key, err);
      }
      this.withdrawing = false;
      announceLocalRelease(this.driver, this.target.key);
    };
    const undo = this.inFlight.then(afterAnswer, afterAnswer);
    this.inFlight = undo;
    this.withdrawal = undo;
  }

  /**
   * Deletes what this token may hold, exactly once (later calls share the first result).
   * Resolves true if the backend deleted something of ours, false if nothing of ours was
   * there (it expired or was taken), and rejects with a `LockBackendError` on failure. Once
   * answered, this process's next waiter for the key is woken (see `announceLocalRelease`).
   */
  release(): Promise<boolean> {
    if (this.released) return this.released;
    this.abandonUnsent();
    // Nothing in flight (the usual case: a held lock): no need to wait for it.
    if (this.answerPending || this.withdrawing) {
      const afterAnswer = (): Promise<boolean> => this.deleteOurs();
      this.released = this.inFlight.then(afterAnswer, afterAnswer);
    } else {
      this.released = this.deleteOurs();
    }
    return this.released;
  }

  private deleteOurs(): Promise<boolean> {
    if (!this.mayExist) return Promise.resolve(false);
    return driverCall(this.driver, () => this.driver.release(this.target)).then(
      (deleted) => {
        announceLocalRelease(this.driver, this.target.key);
        // Checked here rather than in its own step: a promise hop less per release.
        if (!isBoolean(deleted)) throw toBackendError(invalidAnswer(deleted), this.target.name, this.driver.backend, 'release');
        return deleted;
      },
      (err: unknown) => {
        announceLocalRelease(this.driver, this.target.key);
        throw toBackendError(err, this.target.name, this.driver.backend, 'release');
      },
    );
  }

  /**
   * For an acquisition that gives up (busy, timed out): {@link release} when every attempt has
   * answered and one left something on the server (etcd's waiter key), so the caller hears
   * "busy" only once it is gone. Left to the background, the delete never went out when the
   * caller closed its client right after (a script that gives up and exits), and the key then
   * blocked every other waiter until its lease expired (60 s by default). An attempt still in
   * flight is not waited for (on a stalled server that could take the whole 5 s call deadline
   * and make the timeout late); the release that follows on teardown covers it. Never rejects.
   */
  async releaseBeforeGivingUp(): Promise<void> {
    if (this.answerPending || !this.mayExist) return;
    await this.release().catch(() => false); // reported by the teardown release, which shares this result
  }

  /** Lets the driver drop requests of this token it has not sent yet (see `LockDriver.abandon`). */
  private abandonUnsent(): void {
    try {
      this.driver.abandon?.(this.target);
    } catch (err) {
      debug('abandon of %s on %s threw: %s', redactToken(this.target.token), this.target.key, err);
    }
  }

  /** {@link release} for teardown paths that have nobody to report to. */
  dispose(): void {
    this.release().then(
      // Success is not logged: the `released` / `lost` event already says how the hold ended.
      () => undefined,
      (err: unknown) => debug('release of %s failed during teardown: %s', this.target.key, err),
    );
  }
}

function isAcquireAttempt(value: unknown): value is AcquireAttempt {
  return typeof value === 'object' && value !== null && typeof (value as { acquired?: unknown }).acquired === 'boolean';
}
