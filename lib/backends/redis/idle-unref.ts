/**
 * Lets a process exit while a connection we own sits idle. The default client (no client
 * given) belongs to the library, and nobody else will close it: it must not keep the process
 * alive between lock operations, nor while it retries to reach a server that is down, nor
 * while it waits on a server that stalls.
 */
import type { Redis } from 'ioredis';

interface Unrefable {
  ref?(): unknown;
  unref?(): unknown;
}

/**
 * How long one request may keep the process alive (ms). The core gives up on a driver call
 * after 5000 ms; a request still pending then waits on a server that is down (in ioredis's
 * offline queue, replayed for many seconds) or stalled (forever), and nobody awaits it any
 * more. Not shorter than the core's bound, so that an awaited call settles before the process
 * may exit.
 */
export const REQUEST_REF_LIMIT_MS = 6_000;

/**
 * Keeps the socket (and a pending reconnect timer) referenced only while requests are in
 * flight, each for at most {@link REQUEST_REF_LIMIT_MS}.
 */
export class IdleUnref {
  private busy = 0;

  constructor(private readonly client: Redis) {
    // ioredis replaces its socket on every (re)connect and arms a reconnect timer when it drops.
    client.on('connect', this.apply);
    client.on('reconnecting', this.apply);
    this.apply();
  }

  /** Number of requests currently keeping the connection referenced (for tests). */
  get inFlight(): number {
    return this.busy;
  }

  /** Runs `request`, keeping the connection referenced until it settles or the limit passes. */
  track<T>(request: () => Promise<T>): Promise<T> {
    this.busy++;
    this.apply();
    let counted = true;
    const done = (): void => {
      if (!counted) return;
      counted = false;
      clearTimeout(limit);
      this.busy--;
      this.apply();
    };
    // Referenced on purpose: it also covers the moments when ioredis has neither a socket nor a
    // reconnect timer to reference (between a drop and the next attempt).
    const limit = setTimeout(done, REQUEST_REF_LIMIT_MS);
    let p: Promise<T>;
    try {
      p = Promise.resolve(request());
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.finally(done);
  }

  private readonly apply = (): void => {
    const internals = this.client as unknown as { stream?: Unrefable; reconnectTimeout?: Unrefable | null };
    const method = this.busy > 0 ? 'ref' : 'unref';
    internals.stream?.[method]?.();
    internals.reconnectTimeout?.[method]?.();
  };
}
