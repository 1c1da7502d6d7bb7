/**
 * The ZooKeeper client as the public types name it. Declared here, structurally, so that the
 * published declarations compile in a project that has not installed node-zookeeper-client
 * (one that uses another backend).
 */
import type { ClientMethod } from '../client-method';

/**
 * A node-zookeeper-client 1.1 client (`zookeeper.createClient('127.0.0.1:2181')`, then
 * `connect()`). Only the members the backend uses are named; at run time it checks the same.
 * The client's one session is shared by every lock of this client: when it expires, every lock
 * on it is lost and the client is closed for good (node-zookeeper-client does not open a new
 * session): create a new client.
 *
 * @example
 * ```ts
 * import { createClient } from 'node-zookeeper-client';
 * import { ZooKeeperLock, type ZooKeeperClient } from 'sherlock-rx';
 *
 * const zk = createClient('127.0.0.1:2181', { sessionTimeout: 10_000 });
 * zk.connect();
 * const client: ZooKeeperClient = zk;
 * const lock = new ZooKeeperLock('invoices', { client, autoRenew: true });
 * ```
 */
export interface ZooKeeperClient {
  /** Creates a node. */
  readonly create: ClientMethod;
  /** Deletes a node. */
  readonly remove: ClientMethod;
  /** Reads a node's stat, optionally leaving a watch. */
  readonly exists: ClientMethod;
  /** Lists a node's children. */
  readonly getChildren: ClientMethod;
  /** Creates a path and its missing parents. */
  readonly mkdirp: ClientMethod;
  /** The negotiated session timeout (ms). */
  readonly getSessionTimeout: ClientMethod;
}
