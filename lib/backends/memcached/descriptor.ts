/**
 * The memcached backend (`backends.MEMCACHED`): Python-sherlock-compatible keys and values,
 * owner-checked release and renewal made atomic with memcached's CAS, fencing tokens from a
 * counter item. Nothing here loads memjs: the driver module is required on first use.
 */
import type { BackendDescriptor } from '../../core/driver';
import { perClient } from '../per-client';
import { LockConfigurationError } from '../../errors';
import { memcachedKey } from './key';
import type { MemjsClient } from './send';

type DriverModule = typeof import('./driver');

let driverModule: DriverModule | undefined;
function loadDriver(): DriverModule {
  driverModule ??= require('./driver') as DriverModule;
  return driverModule;
}

const driverOf = perClient((client: MemjsClient) => new (loadDriver().MemcachedDriver)(client));
let defaultClient: MemjsClient | undefined;

/** Whether `client` looks like a memjs `Client` (duck-typed: no memjs is loaded to check). */
export function isMemjsClient(client: unknown): client is MemjsClient {
  const c = client as Partial<MemjsClient> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.perform === 'function' &&
    typeof c.incrSeq === 'function' &&
    typeof c.add === 'function' &&
    Array.isArray(c.servers)
  );
}

/** The memcached backend. The client is a memjs `Client` (`memjs.Client.create(...)`). */
export const memcachedBackend: BackendDescriptor<MemjsClient> = {
  name: 'memcached',

  keyFor(name, namespace) {
    return memcachedKey(name, namespace);
  },

  driverFor(client) {
    if (client === undefined) {
      defaultClient ??= loadDriver().createDefaultClient();
      client = defaultClient;
    } else if (!isMemjsClient(client)) {
      throw new LockConfigurationError(
        'The memcached backend needs a memjs client (memjs.Client.create("host:port")) as "client".',
      );
    }
    return driverOf(client);
  },

  isClient: isMemjsClient,

  async closeDefaultClients() {
    const client = defaultClient;
    defaultClient = undefined;
    if (client) await loadDriver().closeClient(client);
  },
};
