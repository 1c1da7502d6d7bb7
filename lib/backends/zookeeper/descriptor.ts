/**
 * The ZooKeeper backend: kazoo's lock recipe, so our locks and Python services using kazoo's
 * `Lock` on the same path exclude each other and share one FIFO queue. This file must not load
 * `node-zookeeper-client`: the driver module is loaded on first use.
 */
import type { Client } from 'node-zookeeper-client';
import { defineBackend, type DefinedBackend } from '../../core/define-backend';
import type { LockDriver } from '../../core/driver';
import type { ZooKeeperClient } from './client-shape';
import { lockPath } from './paths';

type DriverModule = typeof import('./driver');

/** Whether `client` looks like a node-zookeeper-client `Client`: duck-typed, so the check loads no library. */
export function isZooKeeperClient(client: unknown): client is ZooKeeperClient {
  const c = client as Record<string, unknown> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.create === 'function' &&
    typeof c.remove === 'function' &&
    typeof c.exists === 'function' &&
    typeof c.getChildren === 'function' &&
    typeof c.mkdirp === 'function' &&
    typeof c.getSessionTimeout === 'function'
  );
}

/**
 * The ZooKeeper backend (`backends.ZOOKEEPER`). Lock `name` in `namespace` is the node
 * `/<namespace>/<name>` (or `/<name>`), as kazoo's `client.Lock('/<namespace>/<name>')`. With no
 * client, connects to `SHERLOCK_ZOOKEEPER_HOSTS` (a connection string), else 127.0.0.1:2181.
 *
 * @example
 * ```ts
 * import { createClient } from 'node-zookeeper-client';
 * import { Lock } from 'sherlock-rx';
 * import { zookeeperBackend } from 'sherlock-rx/zookeeper';
 *
 * const client = createClient('127.0.0.1:2181');
 * client.connect();
 * // The same lock as kazoo's client.Lock('/app/leader') in a Python service.
 * const lock = new Lock('leader', { backend: zookeeperBackend, client, namespace: 'app', autoRenew: true });
 * ```
 */
export const zookeeperBackend: DefinedBackend<ZooKeeperClient, LockDriver> = defineBackend({
  name: 'zookeeper',
  keyFor: lockPath,
  isClient: isZooKeeperClient,
  clientDescription: 'a node-zookeeper-client client (createClient(...), connected)',
  clientPackage: 'node-zookeeper-client',
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  load: () => require('./driver') as DriverModule,
  // The shape was checked by isClient; the driver works with the library's own types.
  createDriver: (m, client) => new m.ZooKeeperDriver(client as unknown as Client),
  createDefaultClient: (m): ZooKeeperClient => m.createDefaultClient(),
  async closeDefaultClient(_m, client, driver) {
    try {
      (driver as { close?: () => void }).close?.();
    } finally {
      // Closing the session deletes every node it still has.
      (client as unknown as Client).close();
    }
  },
});
