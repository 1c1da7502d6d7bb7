import { Observable, Subject, Subscription, race, take, timer } from 'rxjs';
import type { LockDriver, LockTarget } from '../backends/driver';
import { debug } from './debug';
import { pollDelay } from './retry-delay';

/**
 * Decides when a busy acquisition tries again: after `retryInterval` (the polling fallback),
 * or as soon as the backend signals a release.
 *
 * The release watch is armed only after the first busy answer, so an uncontended acquire
 * costs no extra round trip; the re-check after arming happens once the driver confirms it
 * is listening, so a release between the busy answer and the watch is never missed. A
 * release seen while an attempt is in flight is remembered (`pending`) and makes the next
 * retry immediate.
 */
export class ReleaseWaker {
  private watch: Subscription | undefined;
  private listening = false;
  private broken = false;
  private pending = false;
  private readonly wakeups = new Subject<void>();

  constructor(
    private readonly driver: LockDriver,
    private readonly target: LockTarget,
    private readonly random: () => number = Math.random,
  ) {}

  /** Call when an attempt is sent: signals before this point are answered by that attempt. */
  attemptStarted(): void {
    this.pending = false;
  }

  /** Emits once when the next attempt should be made. */
  nextAttempt(retryInterval: number): Observable<unknown> {
    const poll$ = timer(pollDelay(retryInterval, this.random));
    if (!this.driver.watchReleases) return poll$;
    if (!this.watch) {
      this.arm();
      // Re-check as soon as the watch is armed; a driver that never confirms falls back to polling.
      if (this.listening) return timer(0);
      return race(this.wakeups, poll$).pipe(take(1));
    }
    if (this.pending) return timer(0);
    // A backend that announces every release needs no polling while its watch works.
    if (this.listening && !this.broken && this.driver.notifiesEveryRelease) return this.wakeups.pipe(take(1));
    return race(this.wakeups, poll$).pipe(take(1));
  }

  /** Stops watching (the lock was granted or the acquisition gave up). */
  stop(): void {
    this.watch?.unsubscribe();
    this.wakeups.complete();
  }

  private arm(): void {
    this.watch = this.driver.watchReleases!(this.target).subscribe({
      next: (signal) => {
        if (signal === 'listening') this.listening = true;
        else this.pending = true;
        this.wakeups.next();
      },
      // A broken watch only costs latency: back to polling, starting with a re-check now.
      error: (err: unknown) => {
        debug('release watch for %s failed, polling instead: %s', this.target.key, err);
        this.broken = true;
        this.pending = true;
        this.wakeups.next();
      },
    });
  }
}
