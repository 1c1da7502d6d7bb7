/**
 * `sherlock-rx/zookeeper`: the ZooKeeper backend (node-zookeeper-client 1.1), compatible with
 * kazoo's `Lock` recipe. The same `ZooKeeperLock` as the root entry exports, with the backend
 * descriptor for `configure({ backend })`.
 *
 * @example
 * ```ts
 * import { createClient } from 'node-zookeeper-client';
 * import { configure } from 'sherlock-rx';
 * import { zookeeperBackend } from 'sherlock-rx/zookeeper';
 *
 * const client = createClient('127.0.0.1:2181');
 * client.connect();
 * configure({ backend: zookeeperBackend, client });
 * ```
 *
 * @packageDocumentation
 */
export { ZooKeeperLock, type BackendLockOptions } from '../facade/backend-locks';
export { zookeeperBackend } from '../backends/zookeeper/descriptor';
export type { ZooKeeperClient } from '../backends/zookeeper/client-shape';
