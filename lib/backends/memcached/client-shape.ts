/**
 * The memcached client as the public types name it. Declared here, structurally, so that the
 * published declarations compile in a project without memjs or `@types/memjs` (one that uses
 * another backend).
 */
import type { ClientMethod } from '../client-method';

/**
 * A memjs client (`memjs.Client.create('host:port')`, memjs 1.3), whatever its serializer.
 * Only members every memjs client has are named; at run time the backend checks the same.
 *
 * @example
 * ```ts
 * import memjs from 'memjs';
 * import { MemcachedLock, type MemcachedClient } from 'sherlock-rx';
 *
 * const client: MemcachedClient = memjs.Client.create('127.0.0.1:11211');
 * const lock = new MemcachedLock('invoices', { client, expire: 30_000 });
 * ```
 */
export interface MemcachedClient {
  /** The servers memjs spreads keys over. */
  readonly servers: readonly object[];
  /** Sends one request (the backend's raw binary-protocol requests go through it). */
  readonly perform: ClientMethod;
  /** Advances memjs's request sequence number. */
  readonly incrSeq: ClientMethod;
  /** memjs's `add` (present on every memjs client; identifies one). */
  readonly add: ClientMethod;
}
