/**
 * What this client knows of its ZooKeeper session, for the locks it holds: when the server was
 * last heard from, and whether the session may be gone. One per client (one session), shared
 * by all its locks.
 *
 * node-zookeeper-client does not notice a server that stops answering (it sends pings but never
 * times out waiting for them) and hides its ping answers, so the holder keeps its own evidence:
 * every answered request proves the session was alive when that request left. While locks are
 * held a probe goes out every {@link PROBE_EVERY_SHARE} of the session timeout; after
 * {@link LOSS_AFTER_SHARE} of it without an answer the held locks are reported lost, before the
 * server can expire the session (one full timeout after the last request it received) and grant
 * our locks to another client.
 */
import { monotonicNow } from '../../core/clock';
import { debug } from '../../core/debug';
import { LOSS_AFTER_SHARE, PROBE_EVERY_SHARE } from './settings';

/** Why the locks of a session are lost, handed to {@link Liveness.onLost} listeners. */
export class SessionLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionLostError';
  }
}

export class Liveness {
  /** Monotonic time the last answered request was sent. */
  private lastHeard = monotonicNow();
  private readonly listeners = new Set<(err: SessionLostError) => void>();
  private timer: NodeJS.Timeout | undefined;
  private hasExpired = false;

  constructor(
    /** The session timeout (ms) as negotiated now (it is known only once connected). */
    private readonly sessionTimeout: () => number,
    /** Sends one cheap request; its answer reaches {@link heard} through the calls. */
    private readonly probe: () => Promise<unknown>,
  ) {}

  /** Whether the server said the session expired (the client is then closed for good). */
  get expiredForGood(): boolean {
    return this.hasExpired;
  }

  /** A request sent at `sentAt` (monotonic ms) was answered. */
  heard(sentAt: number): void {
    if (sentAt > this.lastHeard) this.lastHeard = sentAt;
  }

  /** The server (or the client library) says the session expired: every lock on it is gone. */
  expired(): void {
    if (this.hasExpired) return;
    this.hasExpired = true;
    this.declareLost('the ZooKeeper session expired (its ephemeral nodes are deleted)');
  }

  /**
   * Calls `listener` once if the session's locks are lost from now on (at once, asynchronously,
   * if the session already expired). Returns the unsubscribe function.
   */
  onLost(listener: (err: SessionLostError) => void): () => void {
    if (this.hasExpired) {
      queueMicrotask(() => listener(new SessionLostError('the ZooKeeper session expired')));
      return () => undefined;
    }
    this.listeners.add(listener);
    this.schedule();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Stops probing (the driver is closing). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.listeners.size === 0) return;
    this.timer = setTimeout(() => this.tick(), Math.max(10, this.sessionTimeout() * PROBE_EVERY_SHARE));
    // Holding a lock must not keep the process alive by itself.
    this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    const timeout = this.sessionTimeout();
    const silent = monotonicNow() - this.lastHeard;
    if (silent >= timeout * LOSS_AFTER_SHARE) {
      this.declareLost(`nothing was heard from ZooKeeper for ${Math.round(silent)} ms (session timeout ${timeout} ms)`);
      return;
    }
    this.probe().catch((err: unknown) => debug('zookeeper: liveness probe failed: %s', err));
    this.schedule();
  }

  private declareLost(why: string): void {
    this.stop();
    const err = new SessionLostError(why);
    debug('zookeeper: locks lost: %s', why);
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener(err);
  }
}
