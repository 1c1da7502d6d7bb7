/**
 * The namespace our watches run on: the client's own connections, with a reconnect backoff
 * capped at {@link MAX_WATCH_BACKOFF_MS}.
 *
 * Why: when the last watcher of an etcd3 1.1.2 client is cancelled, its watch manager treats
 * the end of the stream as an error and arms a *referenced* reconnect timer of the current
 * backoff, which grows to 30 s with etcd3's default; the process then cannot exit for up to
 * 30 s after its last lock. Our own namespace object (same connection pool, same key prefix,
 * same options but the backoff) bounds that to about one second and also makes watches come
 * back quickly after a failover. It relies on etcd3 internals (`prefix`, `pool`, `options`);
 * where they are missing we fall back to the client itself.
 */
import type { IOptions, Namespace } from 'etcd3';

/** Upper bound of the delay between two watch reconnection attempts (ms). */
export const MAX_WATCH_BACKOFF_MS = 1_000;
const FIRST_WATCH_BACKOFF_MS = 50;

/** The shape of cockatiel's `IBackoff` that etcd3's watch manager uses. */
interface Backoff {
  readonly duration: number;
  next(): Backoff;
}

function backoff(duration: number): Backoff {
  return { duration, next: () => backoff(Math.min(duration * 2, MAX_WATCH_BACKOFF_MS)) };
}

/** cockatiel's `IBackoffFactory` shape: `next()` gives the first backoff. */
export const cappedWatchBackoff = { next: () => backoff(FIRST_WATCH_BACKOFF_MS) };

interface NamespaceInternals {
  prefix?: unknown;
  pool?: unknown;
  options?: IOptions;
}

/** A namespace sharing `client`'s connections and key prefix, whose watches reconnect within a second. */
export function watchNamespace(client: Namespace): Namespace {
  const internals = client as unknown as NamespaceInternals;
  if (!Buffer.isBuffer(internals.prefix) || !internals.pool || !internals.options) return client;
  // The client's own copy of the Namespace class (the user's etcd3 may not be ours).
  const NamespaceClass = client.namespace('').constructor as new (prefix: Buffer, pool: unknown, options: IOptions) => Namespace;
  const options = internals.options;
  return new NamespaceClass(internals.prefix, internals.pool, {
    ...options,
    faultHandling: { ...options.faultHandling, watchBackoff: cappedWatchBackoff as never },
  });
}
