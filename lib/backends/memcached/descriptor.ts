/**
 * The memcached backend (`backends.MEMCACHED`): Python-sherlock-compatible keys and values,
 * owner-checked release and renewal made atomic with memcached's CAS, fencing tokens from a
 * counter item. Nothing here loads memjs: the driver module is loaded on first use.
 */
import { defineBackend, type DefinedBackend } from '../../core/define-backend';
import type { LockDriver } from '../../core/driver';
import type { MemcachedClient } from './client-shape';
import { memcachedKey } from './key';
import type { MemjsClient } from './send';

type DriverModule = typeof import('./driver');

/** Whether `client` looks like a memjs `Client` (duck-typed: no memjs is loaded to check). */
export function isMemjsClient(client: unknown): client is MemcachedClient {
  const c = client as Partial<Record<keyof MemcachedClient, unknown>> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.perform === 'function' &&
    typeof c.incrSeq === 'function' &&
    typeof c.add === 'function' &&
    Array.isArray(c.servers)
  );
}

/**
 * The memcached backend. The client is a memjs `Client` (`memjs.Client.create(...)`); without
 * one, a default client is created for `MEMCACHIER_SERVERS` / `MEMCACHE_SERVERS`, else
 * localhost:11211.
 *
 * @example
 * ```ts
 * import { memcachedBackend } from 'sherlock-rx/memcached';
 *
 * // The key Python sherlock's MCLock('report', namespace='billing') uses, so both exclude each other.
 * memcachedBackend.keyFor('report', 'billing'); // 'billing_report'
 * ```
 */
export const memcachedBackend: DefinedBackend<MemcachedClient, LockDriver> = defineBackend({
  name: 'memcached',
  keyFor: memcachedKey,
  isClient: isMemjsClient,
  clientDescription: 'a memjs client (memjs.Client.create("host:port"))',
  clientPackage: 'memjs',
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  load: () => require('./driver') as DriverModule,
  // The shape was checked by isClient; the driver works with memjs's own types.
  createDriver: (m, client) => new m.MemcachedDriver(client as unknown as MemjsClient),
  createDefaultClient: (m): MemcachedClient => m.createDefaultClient(),
  closeDefaultClient: (m, client) => m.closeClient(client as unknown as MemjsClient),
});
