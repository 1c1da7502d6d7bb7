/**
 * Many deadlines on one Node timer. Every acquisition has a call deadline, most a timeout,
 * every held lock a validity deadline, and nearly all of them are cancelled long before they
 * fire: with one `setTimeout` each, arming and cancelling timers was a tenth of an
 * uncontended acquire+release cycle (measured with `--cpu-prof`). Here a deadline is one entry
 * in a binary heap; the Node timer is re-armed only when a deadline earlier than the one it
 * waits for arrives, so a stream of similar deadlines costs no timer calls at all.
 */
import { monotonicNow } from './clock';
import { timerDelay } from './timers';

/** One scheduled callback; pass it to {@link TimerQueue.cancel} to drop it. */
export interface QueuedTimer {
  /** Monotonic time (ms) at or after which it fires. */
  readonly at: number;
  /** Position in its lane's heap; -1 once fired or cancelled. */
  index: number;
  readonly fire: () => void;
  /** @internal The lane (one per `setTimeout` implementation) that holds it. */
  readonly lane: TimerLane;
}

/**
 * A min-heap of deadlines served by one Node timer. A `referenced` queue keeps the process
 * alive while it has entries (as a plain `setTimeout` would), an unreferenced one never does.
 *
 * @example
 * ```ts
 * const timers = new TimerQueue(false);
 * const entry = timers.schedule(30_000, () => lose());
 * timers.cancel(entry); // released in time: nothing fires, no Node timer was touched
 * ```
 */
export class TimerQueue {
  /**
   * One lane per `setTimeout` implementation: a test's fake clock replaces `setTimeout`, and
   * what was scheduled under it must stay on it (and be dropped with it), as plain timers are.
   */
  private readonly lanes = new Map<typeof setTimeout, TimerLane>();
  private lane: TimerLane | undefined;

  constructor(private readonly referenced: boolean) {}

  /** Number of pending entries (for tests and diagnostics). */
  get size(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.size;
    return n;
  }

  /** Calls `fire` once `delayMs` (milliseconds) have passed, unless cancelled first. */
  schedule(delayMs: number, fire: () => void): QueuedTimer {
    return this.scheduleAt(monotonicNow() + delayMs, fire);
  }

  /** Calls `fire` once the monotonic clock reaches `at` (ms), unless cancelled first. */
  scheduleAt(at: number, fire: () => void): QueuedTimer {
    let lane = this.lane;
    if (lane?.setTimeout !== setTimeout) {
      lane = this.lanes.get(setTimeout);
      if (!lane) {
        lane = new TimerLane(this.referenced, setTimeout, clearTimeout);
        this.lanes.set(setTimeout, lane);
      }
      this.lane = lane;
    }
    return lane.schedule(at, fire);
  }

  /** Drops `entry` if it has not fired yet. */
  cancel(entry: QueuedTimer): void {
    entry.lane.cancel(entry);
  }
}

/** The heap and Node timer of one `setTimeout` implementation. */
class TimerLane {
  private readonly heap: QueuedTimer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(
    private readonly referenced: boolean,
    readonly setTimeout: typeof globalThis.setTimeout,
    private readonly clearTimeout: typeof globalThis.clearTimeout,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  schedule(at: number, fire: () => void): QueuedTimer {
    const entry: QueuedTimer = { at, index: this.heap.length, fire, lane: this };
    this.heap.push(entry);
    this.up(entry.index);
    if (this.referenced && this.heap.length === 1) this.timer?.ref();
    if (entry.at < this.timerAt) this.arm(entry.at);
    return entry;
  }

  /** Drops `entry` if it has not fired yet. The Node timer is left alone: it fires idle at most once. */
  cancel(entry: QueuedTimer): void {
    const i = entry.index;
    if (i < 0) return;
    entry.index = -1;
    const last = this.heap.pop()!;
    if (last !== entry) {
      this.heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
    if (this.referenced && this.heap.length === 0) this.timer?.unref();
  }

  private arm(at: number): void {
    if (this.timer) this.clearTimeout(this.timer);
    this.timerAt = at;
    // Chained: a deadline beyond setTimeout's range fires early and re-arms.
    const timer = this.setTimeout(() => this.tick(timer), timerDelay(at - monotonicNow()));
    this.timer = timer;
    if (!this.referenced || this.heap.length === 0) timer.unref();
  }

  private tick(timer: NodeJS.Timeout): void {
    if (timer !== this.timer) return;
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = monotonicNow();
    try {
      while (this.heap.length > 0 && this.heap[0].at <= now) {
        const entry = this.heap[0];
        this.cancel(entry);
        entry.fire();
      }
    } finally {
      if (this.heap.length > 0 && !this.timer) this.arm(this.heap[0].at);
    }
  }

  private up(i: number): void {
    const heap = this.heap;
    const entry = heap[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].at <= entry.at) break;
      heap[i] = heap[parent];
      heap[i].index = i;
      i = parent;
    }
    heap[i] = entry;
    entry.index = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const entry = heap[i];
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && heap[right].at < heap[left].at ? right : left;
      if (heap[child].at >= entry.at) break;
      heap[i] = heap[child];
      heap[i].index = i;
      i = child;
    }
    heap[i] = entry;
    entry.index = i;
  }
}

/** Deadlines that keep the process alive while pending: backend call deadlines, acquisition timeouts. */
export const referencedTimers = new TimerQueue(true);
/** Deadlines that never keep the process alive: validity of held locks, expiry in the memory store. */
export const unreferencedTimers = new TimerQueue(false);
