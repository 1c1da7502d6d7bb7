/**
 * Many deadlines on one Node timer. Every acquisition has a call deadline, most a timeout,
 * every held lock a validity deadline, and nearly all of them are cancelled long before they
 * fire: with one `setTimeout` each, arming and cancelling timers was a tenth of an
 * uncontended acquire+release cycle (measured with `--cpu-prof`). Here a deadline is one entry
 * in a binary heap; the Node timer is re-armed only when a deadline earlier than the one it
 * waits for arrives, so a stream of similar deadlines costs no timer calls at all. A deadline
 * that keeps moving (a held lock's validity, on every renewal) is one entry its owner keeps and
 * moves in place with {@link TimerQueue.moveTo}: no entry, closure or timer per move.
 */
import { monotonicNow } from './clock';
import { timerDelay } from './timers';

/**
 * One scheduled callback; pass it to {@link TimerQueue.cancel} to drop it. An owner that moves
 * its deadline often implements it on an object of its own (start with `index: -1`,
 * `lane: undefined`) and passes that to {@link TimerQueue.moveTo}; the queue keeps the fields.
 */
export interface QueuedTimer {
  /** Monotonic time (ms) at or after which it fires; written by the queue. */
  at: number;
  /** Position in its lane's heap; -1 while not queued (never, fired or cancelled). */
  index: number;
  /** @internal The lane (one per `setTimeout` implementation) that holds or last held it. */
  lane: TimerLane | undefined;
  /** Called once the deadline is reached, after the entry left the queue. */
  fire(): void;
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
    const entry: QueuedTimer = { at, index: -1, lane: undefined, fire };
    this.currentLane().insert(entry, at);
    return entry;
  }

  /**
   * Makes `entry` fire at monotonic time `at` (ms): moved within the heap if it is pending,
   * queued if not. For a deadline that moves on every renewal, this replaces a cancel and a
   * new entry (and its closure) each time.
   */
  moveTo(entry: QueuedTimer, at: number): void {
    const lane = this.currentLane();
    if (entry.index >= 0 && entry.lane === lane) {
      lane.move(entry, at);
      return;
    }
    // Pending under another setTimeout (a test swapped clocks): it moves to the current one.
    if (entry.index >= 0) entry.lane!.cancel(entry);
    lane.insert(entry, at);
  }

  /** Drops `entry` if it has not fired yet. */
  cancel(entry: QueuedTimer): void {
    entry.lane?.cancel(entry);
  }

  private currentLane(): TimerLane {
    let lane = this.lane;
    if (lane?.setTimeout !== setTimeout) {
      lane = this.lanes.get(setTimeout);
      if (!lane) {
        lane = new TimerLane(this.referenced, setTimeout, clearTimeout);
        this.lanes.set(setTimeout, lane);
      }
      this.lane = lane;
    }
    return lane;
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

  /** Queues `entry`, which is in no heap, to fire at `at`. */
  insert(entry: QueuedTimer, at: number): void {
    entry.at = at;
    entry.lane = this;
    entry.index = this.heap.length;
    this.heap.push(entry);
    this.up(entry.index);
    if (this.referenced && this.heap.length === 1) this.timer?.ref();
    if (at < this.timerAt) this.arm(at);
  }

  /** Moves pending `entry` to `at`. A later deadline leaves the Node timer alone: it fires idle at most once. */
  move(entry: QueuedTimer, at: number): void {
    const earlier = at < entry.at;
    entry.at = at;
    if (earlier) {
      this.up(entry.index);
      if (at < this.timerAt) this.arm(at);
    } else {
      this.down(entry.index);
    }
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
