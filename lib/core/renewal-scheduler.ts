import type { LockDriver, LockTarget } from './driver';
import { toBackendError } from '../errors';
import { boundedCall, isBoolean } from './call-deadline';
import { monotonicNow } from './clock';
import { timerDelay } from './timers';

/** One held lock that wants renewing. */
export interface RenewalEntry {
  readonly target: LockTarget;
  /** Called with the monotonic time the renewal was sent and whether it was still ours. */
  renewed(sentAt: number, stillOurs: boolean): void;
  /** Called when the backend could not be asked. */
  failed(err: unknown): void;
  /**
   * Written by the scheduler only: when the entry is due, and from when it may go out with an
   * earlier batch (monotonic ms, whole). Kept on the entry rather than in two maps beside it:
   * with 10,000 holds those maps' slots and boxed times were ~100 bytes per lock.
   */
  renewDueAt: number;
  renewSendableAt: number;
}

/**
 * Renews every auto-renewed lock of one driver from a single timer. Locks due within the
 * same window go out together (through `renewMany` when the driver has it: one pipeline
 * for thousands of locks rather than one timer and one request each). Renewing up to a
 * quarter of an interval early is harmless: validity is counted from the time it was sent.
 */
export class RenewalScheduler {
  /** The entries waiting; each carries its own due times (see {@link RenewalEntry.renewDueAt}). */
  private readonly waiting = new Set<RenewalEntry>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(private readonly driver: LockDriver) {}

  /**
   * Schedules `entry` for renewal at monotonic time `at`, or up to `slack` ms earlier. O(1):
   * with 10,000 locks, scanning every entry on each schedule cost more CPU than the renewals.
   */
  schedule(entry: RenewalEntry, at: number, slack: number): void {
    // Whole milliseconds (earlier, which is harmless) stay small integers: no boxed number per entry.
    entry.renewDueAt = Math.floor(at);
    entry.renewSendableAt = Math.floor(at - slack);
    this.waiting.add(entry);
    if (at < this.timerAt || !this.timer) this.armAt(entry.renewDueAt);
  }

  /** Forgets `entry` (released or lost). The timer stays: a tick with nothing due re-arms or stops. */
  cancel(entry: RenewalEntry): void {
    this.waiting.delete(entry);
    if (this.waiting.size === 0) this.disarm();
  }

  /** Number of entries waiting (for tests and diagnostics). */
  get size(): number {
    return this.waiting.size;
  }

  private armAt(at: number): void {
    this.disarm();
    this.timerAt = at;
    // Unreferenced: a held lock alone must not keep the process alive.
    // Chained: a renewal due beyond setTimeout's range fires early and re-arms.
    this.timer = setTimeout(() => this.tick(), timerDelay(at - monotonicNow()));
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /** One pass: sends every entry that may go now, and re-arms for the earliest of the rest. */
  private tick(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = monotonicNow();
    const batch: RenewalEntry[] = [];
    let next = Infinity;
    for (const entry of this.waiting) {
      if (entry.renewSendableAt <= now) {
        batch.push(entry);
      } else if (entry.renewDueAt < next) {
        next = entry.renewDueAt;
      }
    }
    for (const entry of batch) this.waiting.delete(entry);
    if (next !== Infinity) this.armAt(next);
    if (batch.length > 0) void this.renew(batch, now);
  }

  private async renew(batch: RenewalEntry[], sentAt: number): Promise<void> {
    const targets = batch.map((e) => e.target);
    let results: Array<boolean | { error: unknown }>;
    try {
      if (this.driver.renewMany) {
        const driver = this.driver as Required<Pick<LockDriver, 'renewMany'>>;
        results = await boundedCall(() => driver.renewMany(targets));
        if (!Array.isArray(results) || results.length !== targets.length) {
          throw new TypeError(`renewMany answered ${describeAnswer(results)} for ${targets.length} lock(s)`);
        }
      } else {
        results = await Promise.all(
          targets.map((t) => boundedCall(() => this.driver.renew(t), isBoolean).then((ok) => ok, (error: unknown) => ({ error }))),
        );
      }
    } catch (error) {
      results = targets.map(() => ({ error }));
    }
    batch.forEach((entry, i) => {
      const r = results[i];
      if (typeof r === 'boolean') entry.renewed(sentAt, r);
      else entry.failed(toBackendError(r?.error, entry.target.name, this.driver.backend, 'renew'));
    });
  }
}

const schedulers = new WeakMap<LockDriver, RenewalScheduler>();

/** The shared scheduler of `driver`. */
export function renewalSchedulerFor(driver: LockDriver): RenewalScheduler {
  let s = schedulers.get(driver);
  if (!s) {
    s = new RenewalScheduler(driver);
    schedulers.set(driver, s);
  }
  return s;
}

function describeAnswer(value: unknown): string {
  return Array.isArray(value) ? `${value.length} result(s)` : typeof value;
}
