/**
 * Grants the release script made on the server for this client's waiters (see `release.ts`):
 * the previous holder's release hands a free lock to the head of the waiter queue and
 * announces it on the lock's channel, so the waiter holds the lock without another round trip.
 */
import { monotonicNow } from '../../core/clock';
import type { AcquireAttempt, LockTarget } from '../../core/driver';

/** What the driver knows of one token waiting in a queue. */
interface WaitingToken {
  /** Send time of its last attempt answered "busy": the server can only have handed it the lock after this. */
  sentAt: number;
  /** The lock's fencing counter when that attempt ran: a handover announces a higher one. */
  counter: number;
  /** The fencing token of a handover announced since, not taken yet. */
  handedOver?: number;
}

/**
 * Per driver: the tokens of its waiting acquisitions and the handovers announced for them.
 *
 * Validity: the server hands the lock over only to a token already in the queue, that is after
 * one of its attempts answered "busy"; such an attempt was sent before it ran, and it ran before
 * the handover (after it, the attempt would have found the lock its own and been granted). So
 * the handover's expiry is at least that send time + the TTL: the core counts validity from the
 * send time (`grantedAfter`), never from the announcement, which may arrive late.
 *
 * Stale announcements: one is used only if its fencing token is above the counter the token's
 * last "busy" answer reported. An announcement delayed past a release of that token and a new
 * "busy" answer (the counter then already counts that handover) is ignored.
 */
export class ServerGrants {
  private readonly waiting = new Map<string, WaitingToken>();

  /** An attempt of `token` sent at `sentAt` found the lock busy while its counter stood at `counter`. */
  busy(token: string, sentAt: number, counter: number): void {
    const known = this.waiting.get(token);
    // A "busy" answer that overtook the announcement of a later handover: keep the handover.
    if (known?.handedOver !== undefined && known.handedOver > counter) {
      known.sentAt = sentAt;
      known.counter = counter;
      return;
    }
    this.waiting.set(token, { sentAt, counter });
  }

  /** The release script announced that it handed the lock to `token` with fencing token `fence`. */
  handedOver(token: string, fence: number): void {
    const known = this.waiting.get(token);
    if (known && fence > known.counter) known.handedOver = fence;
  }

  /**
   * The grant announced for `target`, when it can be used without asking the server again: its
   * validity, counted from the last "busy" attempt, still has at least half the TTL to run.
   * Otherwise undefined (an attempt then finds the lock ours and grants it afresh).
   */
  take(target: LockTarget): AcquireAttempt | undefined {
    const known = this.waiting.get(target.token);
    if (known?.handedOver === undefined || target.expire === null) return undefined;
    if (monotonicNow() - known.sentAt >= target.expire / 2) return undefined;
    this.waiting.delete(target.token);
    return { acquired: true, fencingToken: known.handedOver, grantedAfter: known.sentAt };
  }

  /** `token` was granted by an attempt, or is being released: nothing to remember any more. */
  forget(token: string): void {
    this.waiting.delete(token);
  }

  /** Number of tokens remembered (for tests and diagnostics). */
  get size(): number {
    return this.waiting.size;
  }
}
