/**
 * The etcd backend: etcd's own lock protocol (Go `concurrency.Mutex`, `etcdctl lock`), so our
 * locks, `etcdctl lock` and Go services exclude each other. This file must not load `etcd3`:
 * the driver module is loaded on first use.
 */
import type { Namespace } from 'etcd3';
import { defineBackend, type DefinedBackend } from '../../core/define-backend';
import type { LockDriver } from '../../core/driver';
import type { EtcdClient } from './client-shape';
import { lockPrefix } from './keys';

type DriverModule = typeof import('./driver');

/**
 * Whether `client` looks like an etcd3 `Etcd3` (or a `Namespace` of one): duck-typed, so that
 * neither this check nor the backend registry loads etcd3.
 */
export function isEtcdClient(client: unknown): client is EtcdClient {
  const c = client as Record<string, unknown> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.lease === 'function' &&
    typeof c.if === 'function' &&
    typeof c.watch === 'function' &&
    typeof c.getAll === 'function' &&
    typeof c.namespace === 'function'
  );
}

/**
 * The etcd backend (`backends.ETCD`). Lock `name` in `namespace` is the etcd lock prefix
 * `<namespace>/<name>` (or `<name>`); neither may contain `/`. With no client, connects to
 * the hosts in `SHERLOCK_ETCD_HOSTS` (comma-separated), else 127.0.0.1:2379.
 *
 * @example
 * ```ts
 * import { Etcd3 } from 'etcd3';
 * import { Lock } from 'sherlock-rx';
 * import { etcdBackend } from 'sherlock-rx/etcd';
 *
 * // A Namespace client puts every lock key under `app/`, as etcdctl and Go clients see them.
 * const client = new Etcd3({ hosts: 'http://127.0.0.1:2379' }).namespace('app/');
 * const lock = new Lock('leader', { backend: etcdBackend, client, autoRenew: true });
 * ```
 */
export const etcdBackend: DefinedBackend<EtcdClient, LockDriver> = defineBackend({
  name: 'etcd',
  keyFor: lockPrefix,
  isClient: isEtcdClient,
  clientDescription: 'an etcd3 client (new Etcd3(...)) or a Namespace of one',
  clientPackage: 'etcd3',
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  load: () => require('./driver') as DriverModule,
  // The shape was checked by isClient; the driver works with etcd3's own types.
  createDriver: (m, client) => new m.EtcdDriver(client as unknown as Namespace),
  createDefaultClient: (m): EtcdClient => m.createDefaultClient(),
  async closeDefaultClient(_m, client, driver) {
    try {
      await driver.close();
    } finally {
      (client as { close?: () => void }).close?.();
    }
  },
});
