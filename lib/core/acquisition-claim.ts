import type { AcquireAttempt, LockDriver, LockTarget } from '../backends/driver';
import { toBackendError } from '../errors';
import { debug } from './debug';

/**
 * What one acquisition (one owner token) may have left on the backend, and the single
 * owner-checked release that cleans it up.
 *
 * RxJS teardown is synchronous and cannot wait for a request in flight, so the grant of a
 * request sent before the subscriber left would leak. The claim closes that gap with state
 * rather than timing: `release()` first waits for the request in flight, then deletes
 * whatever that request may have created. A request that failed (its answer lost, e.g. a
 * dropped connection whose command is replayed later) counts as "may have created".
 */
export class AcquisitionClaim {
  private inFlight: Promise<void> = Promise.resolve();
  /** Whether something of ours may exist on the server. */
  private mayExist = false;
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
    if (this.released) return Promise.resolve({ acquired: false });
    this.mayExist = true;
    let request: Promise<AcquireAttempt>;
    try {
      request = this.driver.tryAcquire(this.target);
    } catch (err) {
      request = Promise.reject(err); // a driver that throws instead of rejecting
    }
    this.inFlight = request.then(
      (r) => {
        this.mayExist = r.acquired || r.queued === true;
      },
      () => undefined, // outcome unknown: keep mayExist
    );
    return request.catch((err: unknown) => {
      throw toBackendError(err, this.target.name, this.driver.backend, 'acquire');
    });
  }

  /**
   * Deletes what this token may hold, exactly once (later calls share the first result).
   * Resolves true if the backend deleted something of ours, false if nothing of ours was
   * there (it expired or was taken), and rejects with a `LockBackendError` on failure.
   */
  release(): Promise<boolean> {
    this.released ??= this.inFlight.then(async () => {
      if (!this.mayExist) return false;
      try {
        return await this.driver.release(this.target);
      } catch (err) {
        throw toBackendError(err, this.target.name, this.driver.backend, 'release');
      }
    });
    return this.released;
  }

  /** {@link release} for teardown paths that have nobody to report to. */
  dispose(): void {
    this.release().then(
      (deleted) => debug('claim %s on %s disposed (deleted: %s)', this.target.token, this.target.key, deleted),
      (err: unknown) => debug('release of %s failed during teardown: %s', this.target.key, err),
    );
  }
}
