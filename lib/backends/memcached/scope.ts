/**
 * The memcached driver's `releaseScope`: which servers a memjs client spreads keys over, and
 * whether that spreading is the same for every client with those servers.
 */
import type { MemjsClient } from './send';

/** What memjs keeps of each server (`host` and `port` as given to `Client.create`). */
interface ServerAddress {
  readonly host?: unknown;
  readonly port?: unknown;
}

/** memjs's own key-to-server methods, to tell a client that overrides them. */
interface KeyRouting {
  readonly getServer?: unknown;
  readonly server?: unknown;
  readonly options?: { readonly failover?: unknown };
}

/**
 * The scope of `client`: its servers as `host:port`, in order, or undefined when a key's
 * server cannot be told from the list alone. One server holds every key. With several, memjs
 * picks one by `hashCode(key) % servers.length` (so the order matters), unless the client
 * overrides `getServer` (a hash ring: its state is not ours to compare) or enables failover
 * (a key moves while a server is marked down, per client): then undefined, per-client keying.
 * Hosts are compared as written: `localhost` and `127.0.0.1` are two scopes (safe, only apart).
 *
 * @example
 * ```ts
 * memcachedScope(memjs.Client.create('127.0.0.1:11211')); // '127.0.0.1:11211'
 * ```
 */
export function memcachedScope(client: MemjsClient): string | undefined {
  const servers = client.servers as unknown as readonly ServerAddress[];
  const addresses: string[] = [];
  for (const server of servers) {
    if (typeof server.host !== 'string' || typeof server.port !== 'number') return undefined;
    addresses.push(`${server.host.toLowerCase()}:${server.port}`);
  }
  if (addresses.length === 0) return undefined;
  if (addresses.length > 1 && !routesByDefaultHash(client as unknown as KeyRouting)) return undefined;
  return addresses.join(',');
}

/** Whether `client` picks a key's server with memjs's own hash and no failover. */
function routesByDefaultHash(client: KeyRouting): boolean {
  if (client.options?.failover) return false;
  let prototype: KeyRouting;
  try {
    // The client's own memjs is the one installed here, or the check fails safe below.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    prototype = (require('memjs') as { Client: { prototype: KeyRouting } }).Client.prototype;
  } catch {
    return false;
  }
  return client.getServer === prototype.getServer && client.server === prototype.server;
}
