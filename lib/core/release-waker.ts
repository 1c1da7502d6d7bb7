import { Observable, Subject, Subscription, defer, of, race, switchMap, take, throwError, timer } from 'rxjs';
import type { LockDriver, LockTarget, ReleaseSignal } from './driver';
import { monotonicNow } from './clock';
import { debug } from './debug';
import { pollDelay, wakeDelay } from './retry-delay';

/**
 * Decides when a busy acquisition tries again: at its next poll (backing off up to
 * `retryInterval`, see {@link pollDelay}, or every `retryInterval` once the release watch
 * listens), or soon after the backend signals a release.
 *
 * The release watch is armed only after the first busy answer, so an uncontended acquire
 * costs no extra round trip; the re-check after arming happens once the driver confirms it
 * is listening, so a release between the busy answer and the watch is never missed. A
 * release seen while an attempt is in flight is remembered (`pending`) and makes the next
 * retry follow at once. For a driver that announces every release (`notifiesEveryRelease`)
 * the waiter stops polling once the watch is armed, until the watch fails or ends.
 *
 * Retries after a release are spread by {@link wakeDelay} (older waiters go first), unless
 * the backend orders waiters itself (`ordersWaiters`).
 */
export class ReleaseWaker {
  private watch: Subscription | undefined;
  private listening = false;
  private broken = false;
  private pending = false;
  /** Polls so far: each one waits longer, up to `retryInterval` (see {@link pollDelay}). */
  private polls = 0;
  /** Emits the delay (ms) before the next attempt, for each signal. */
  private readonly wakeups = new Subject<number>();
  private readonly startedAt = monotonicNow();

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
    // With the watch listening, polls only catch what it cannot announce (keys that expire,
    // releases by clients that publish nothing): no backoff from retryInterval/8, which cost a
    // Redis waiter several refused attempts per wait while the notification was on its way.
    const poll$ = defer(() => timer(pollDelay(retryInterval, this.watchWorks ? Infinity : this.polls++, this.random)));
    if (!this.driver.watchReleases) return poll$;
    const signal$ = this.wakeups.pipe(
      take(1),
      switchMap((delay) => after(delay)),
    );
    if (!this.watch) {
      this.arm();
      // Re-check as soon as the watch is armed; a driver that never confirms falls back to polling.
      if (this.listening) return after(0);
      return race(signal$, poll$);
    }
    if (this.pending) return after(this.releaseDelay());
    // A backend that announces every release needs no polling while its watch works.
    if (this.watchWorks && this.driver.notifiesEveryRelease) return signal$;
    return race(signal$, poll$);
  }

  /** Whether the release watch is armed and has neither failed nor ended. */
  private get watchWorks(): boolean {
    return this.listening && !this.broken;
  }

  /** Stops watching (the lock was granted or the acquisition gave up). */
  stop(): void {
    this.watch?.unsubscribe();
    this.wakeups.complete();
  }

  private releaseDelay(): number {
    if (this.driver.ordersWaiters) return 0;
    return wakeDelay(monotonicNow() - this.startedAt, this.random);
  }

  private arm(): void {
    let signals$: Observable<ReleaseSignal>;
    try {
      signals$ = this.driver.watchReleases!(this.target);
    } catch (err) {
      signals$ = throwError(() => err); // a driver that throws instead of erroring: same as a broken watch
    }
    this.watch = signals$.subscribe({
      next: (signal) => {
        if (signal === 'listening') {
          this.listening = true;
          this.wakeups.next(0);
        } else {
          this.pending = true;
          this.wakeups.next(this.releaseDelay());
        }
      },
      error: (err: unknown) => this.fallBackToPolling(`failed: ${String(err)}`),
      // A watch that ends announces nothing more: waiting for its signals alone would wait forever.
      complete: () => this.fallBackToPolling('ended'),
    });
  }

  /** A broken or ended watch only costs latency: back to polling, starting with a re-check now. */
  private fallBackToPolling(why: string): void {
    if (this.broken) return;
    debug('release watch for %s %s, polling instead', this.target.key, why);
    this.broken = true;
    this.pending = true;
    this.wakeups.next(0);
  }
}

/**
 * Emits `delay` ms from now; a delay of 0 emits at once. `timer(0)` is a `setTimeout(0)`, which
 * Node runs after at least 1 ms: traced on Redis, that one timer was more than half of a
 * handoff (release notification at 0.77 ms, the waiter's attempt sent at 2.06 ms); a microtask
 * still cost about 0.1 ms more than emitting at once. `retry`'s delay notifier and the callers
 * of {@link ReleaseWaker.nextAttempt} accept a synchronous emission.
 */
function after(delay: number): Observable<number> {
  return delay > 0 ? timer(delay) : of(0);
}
