/**
 * Lets a process exit while a connection we own sits idle. The default client (no client
 * given) belongs to the library, and nobody else will close it: it must not keep the process
 * alive between lock operations, nor while it retries to reach a server that is down.
 */
import type { Redis } from 'ioredis';

interface Unrefable {
  ref?(): unknown;
  unref?(): unknown;
}

/** Keeps the socket (and a pending reconnect timer) referenced only while requests are in flight. */
export class IdleUnref {
  private busy = 0;

  constructor(private readonly client: Redis) {
    // ioredis replaces its socket on every (re)connect and arms a reconnect timer when it drops.
    client.on('connect', this.apply);
    client.on('reconnecting', this.apply);
    this.apply();
  }

  /** Runs `request`, keeping the connection referenced until it settles. */
  track<T>(request: () => Promise<T>): Promise<T> {
    this.busy++;
    this.apply();
    let p: Promise<T>;
    try {
      p = request();
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.finally(() => {
      this.busy--;
      this.apply();
    });
  }

  private readonly apply = (): void => {
    const internals = this.client as unknown as { stream?: Unrefable; reconnectTimeout?: Unrefable | null };
    const method = this.busy > 0 ? 'ref' : 'unref';
    internals.stream?.[method]?.();
    internals.reconnectTimeout?.[method]?.();
  };
}
