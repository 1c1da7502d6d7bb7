/**
 * `sherlock-rx/etcd`: the etcd v3 backend (etcd3 1.1), compatible with `etcdctl lock` and Go's
 * `concurrency.Mutex`. The same `EtcdLock` as the root entry exports, with the backend
 * descriptor for `configure({ backend })`.
 *
 * @example
 * ```ts
 * import { Etcd3 } from 'etcd3';
 * import { configure } from 'sherlock-rx';
 * import { etcdBackend } from 'sherlock-rx/etcd';
 *
 * configure({ backend: etcdBackend, client: new Etcd3({ hosts: 'http://127.0.0.1:2379' }) });
 * ```
 *
 * @packageDocumentation
 */
export { EtcdLock, type BackendLockOptions } from '../facade/backend-locks';
export { etcdBackend } from '../backends/etcd/descriptor';
export type { EtcdClient } from '../backends/etcd/client-shape';
