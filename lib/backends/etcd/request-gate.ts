/**
 * A bound on the etcd requests one driver has in flight, fair between locks.
 *
 * Why: thousands of acquisitions abandoned at once (a cancellation storm) sent thousands of
 * puts and deletes at the same moment; they queued in gRPC past their 5 s deadline, three
 * consecutive failures opened etcd3's circuit breaker, and then every request of every lock on
 * that client failed for 5 s and the deletes were lost (queue keys left behind). Requests wait
 * here instead, and their deadline starts when they are sent. Waiting requests are served
 * round-robin by lane (a lock prefix), so a storm on one lock does not delay the others.
 */

import { CLIENT_SETTLE_LIMIT_MS, settleWithin } from './settings';

/** Hands a slot (already counted as active) to a waiting request. */
type Turn = () => void;

export class RequestGate {
  private active = 0;
  /** Waiting requests per lane; Map order is the round-robin order. */
  private readonly lanes = new Map<string, Turn[]>();

  constructor(private readonly limit: number) {}

  /** Requests waiting to be sent (for tests and debugging). */
  get waiting(): number {
    let n = 0;
    for (const q of this.lanes.values()) n += q.length;
    return n;
  }

  /**
   * Runs `send` once fewer than `limit` requests are in flight and it is `lane`'s turn (at
   * once, synchronously, when nothing waits). `send` may throw or reject; the returned
   * promise carries its outcome.
   */
  async run<T>(lane: string, send: () => Promise<T>): Promise<T> {
    if (this.active < this.limit && this.lanes.size === 0) this.active++;
    else await new Promise<void>((turn) => this.wait(lane, turn));
    try {
      // Bounded: a client whose promise never settles must not hold a slot forever. A client
      // that throws instead of rejecting lands in the same `finally`.
      return await settleWithin(send(), CLIENT_SETTLE_LIMIT_MS, 'a request');
    } finally {
      this.active--;
      this.next();
    }
  }

  private wait(lane: string, turn: Turn): void {
    const queue = this.lanes.get(lane);
    if (queue) queue.push(turn);
    else this.lanes.set(lane, [turn]);
  }

  private next(): void {
    while (this.active < this.limit && this.lanes.size > 0) {
      const [lane, queue] = this.lanes.entries().next().value as [string, Turn[]];
      const turn = queue.shift()!;
      this.lanes.delete(lane);
      if (queue.length > 0) this.lanes.set(lane, queue); // to the back of the round
      this.active++;
      turn();
    }
  }
}
