/**
 * The etcd client as the public types name it. Declared here, structurally, so that the
 * published declarations compile in a project that has not installed etcd3 (one that uses
 * another backend).
 */
import type { ClientMethod } from '../client-method';

/**
 * An etcd3 client (`new Etcd3({ hosts })`, etcd3 1.1) or a `Namespace` of one
 * (`client.namespace('app/')`, whose prefix then applies to the lock keys). Only members both
 * have are named; at run time the backend checks the same.
 *
 * @example
 * ```ts
 * import { Etcd3 } from 'etcd3';
 * import { EtcdLock, type EtcdClient } from 'sherlock-rx';
 *
 * const client: EtcdClient = new Etcd3({ hosts: 'http://127.0.0.1:2379' });
 * const lock = new EtcdLock('invoices', { client, expire: 30_000 });
 * ```
 */
export interface EtcdClient {
  /** Grants a lease. */
  readonly lease: ClientMethod;
  /** Starts a transaction. */
  readonly if: ClientMethod;
  /** Starts a watch. */
  readonly watch: ClientMethod;
  /** Reads a range of keys. */
  readonly getAll: ClientMethod;
  /** A view of the client under a key prefix. */
  readonly namespace: ClientMethod;
}
