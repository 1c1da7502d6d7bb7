/**
 * A model of memcached's clock, as `clock_handler` in memcached.c (1.6) keeps it: the main
 * thread's timer is re-armed 1 s after each run, so ticks land 1 s plus the timer's lateness
 * apart (1000.1 to 1002.2 ms measured here on 1.6.18 via `stats` "time"); each tick sets
 * `current_time` to the whole seconds of the monotonic clock. An item stored with a relative
 * expiration of N seconds while the clock reads c is dead from the first tick that sets the
 * clock to c + N or more.
 */
export class MemcachedClockModel {
  /** @param ticks monotonic times (ms) of the clock ticks, ascending. */
  constructor(private readonly ticks: readonly number[]) {}

  /** Ticks starting at `firstTickMs`, each `1000 + lateness(i)` ms after the previous one. */
  static ticking(firstTickMs: number, count: number, lateness: (i: number) => number): MemcachedClockModel {
    const ticks = [firstTickMs];
    for (let i = 1; i < count; i++) ticks.push(ticks[i - 1] + 1000 + lateness(i));
    return new MemcachedClockModel(ticks);
  }

  get end(): number {
    return this.ticks[this.ticks.length - 1];
  }

  /** The server clock (whole seconds) at monotonic time `ms`. */
  clockAt(ms: number): number {
    const i = this.lastTickAtOrBefore(ms);
    if (i < 0) throw new RangeError(`${ms} ms is before the first tick`);
    return Math.floor(this.ticks[i] / 1000);
  }

  /** When an item stored at `storedAt` (ms) with a relative expiration of `seconds` dies, or undefined past the last tick. */
  deathOf(storedAt: number, seconds: number): number | undefined {
    const dueClock = this.clockAt(storedAt) + seconds;
    for (let i = this.lastTickAtOrBefore(storedAt) + 1; i < this.ticks.length; i++) {
      if (Math.floor(this.ticks[i] / 1000) >= dueClock) return this.ticks[i];
    }
    return undefined;
  }

  private lastTickAtOrBefore(ms: number): number {
    let lo = 0;
    let hi = this.ticks.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.ticks[mid] <= ms) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
