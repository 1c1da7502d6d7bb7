/**
 * The waiters of one lock (one driver, one key) in this process, in arrival order.
 *
 * Without it, every waiter retried on its own and a newcomer tried at once: it beat the
 * waiter that a release had just woken (measured: `mergeMap(..., 3)` over ten tasks on one
 * lock granted 1, 4, 5, ..., 10, 2, 3, and with a 250 ms timeout tasks 2 and 3 timed out). Here
 * only the head of the queue asks the backend; the others wait for their turn, and a newcomer
 * that finds waiters joins behind them without asking.
 */

/** One waiting acquisition, as the queue sees it. */
export interface LocalWaiter {
  /** Arrival number: a smaller one arrived first (see {@link nextArrival}). */
  readonly arrival: number;
  /**
   * Became the head. `afterGrant`: the one before it left with the lock (so it is held, and the
   * new head waits for a release); otherwise it gave up, and the new head tries at once.
   */
  promoted(afterGrant: boolean): void;
  /** Is no longer the head: an earlier arrival joined in front of it. */
  demoted(): void;
  /** A release of this lock by this process: the head tries at once. */
  wake(): void;
}

let arrivals = 0;

/** The arrival number of an acquisition that starts now. */
export function nextArrival(): number {
  return ++arrivals;
}

/**
 * The local queue of one lock.
 *
 * @example
 * ```ts
 * const queue = new LocalQueue(() => forget());
 * queue.join(waiter);            // the first one in is the head: it keeps asking the backend
 * queue.leave(waiter, true);     // granted: the next one becomes head and waits for a release
 * ```
 */
export class LocalQueue {
  private readonly waiters: LocalWaiter[] = [];

  /** @param emptied Called when the last waiter leaves (the registry drops the queue). */
  constructor(private readonly emptied: () => void) {}

  /** The waiter whose turn it is to ask the backend. */
  get head(): LocalWaiter | undefined {
    return this.waiters[0];
  }

  /** Whether anyone waits. */
  get isEmpty(): boolean {
    return this.waiters.length === 0;
  }

  /** Whether `waiter` is in the queue. */
  has(waiter: LocalWaiter): boolean {
    return this.waiters.includes(waiter);
  }

  /**
   * Adds `waiter` at its arrival position. Two acquisitions that started together may hear
   * "busy" in the other order; the arrival number, not the answer, decides who is first.
   */
  join(waiter: LocalWaiter): void {
    let i = this.waiters.length;
    while (i > 0 && this.waiters[i - 1].arrival > waiter.arrival) i--;
    this.waiters.splice(i, 0, waiter);
    if (i === 0 && this.waiters.length > 1) this.waiters[1].demoted();
  }

  /** Removes `waiter`; if it was the head, the next one gets the turn. */
  leave(waiter: LocalWaiter, granted: boolean): void {
    const i = this.waiters.indexOf(waiter);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    if (this.waiters.length === 0) this.emptied();
    else if (i === 0) this.waiters[0].promoted(granted);
  }
}
