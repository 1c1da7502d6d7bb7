/**
 * The etcd backend: etcd's own lock protocol (Go `concurrency.Mutex`, `etcdctl lock`), so our
 * locks, `etcdctl lock` and Go services exclude each other. This file must not load `etcd3`:
 * the driver is required on first use.
 */
import type { Namespace } from 'etcd3';
import type { BackendDescriptor } from '../../core/driver';
import { perClient } from '../per-client';
import { lockPrefix } from './keys';

type DriverModule = typeof import('./driver');
type EtcdDriver = InstanceType<DriverModule['EtcdDriver']>;

const driverOf = perClient((client: Namespace) => new (loadDriver().EtcdDriver)(client));
let defaultDriver: EtcdDriver | undefined;

function loadDriver(): DriverModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./driver') as DriverModule;
}

/**
 * Whether `client` looks like an etcd3 `Etcd3` (or a `Namespace` of one): duck-typed, so that
 * neither this check nor the backend registry loads etcd3.
 */
export function isEtcdClient(client: unknown): client is Namespace {
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
 */
export const etcdBackend: BackendDescriptor<Namespace> = {
  name: 'etcd',
  keyFor(name, namespace) {
    return lockPrefix(name, namespace);
  },
  driverFor(client) {
    if (client === undefined) {
      if (!defaultDriver) {
        const { EtcdDriver, createDefaultClient } = loadDriver();
        defaultDriver = new EtcdDriver(createDefaultClient());
      }
      return defaultDriver;
    }
    return driverOf(client);
  },
  isClient: isEtcdClient,
  async closeDefaultClients() {
    const driver = defaultDriver;
    defaultDriver = undefined;
    if (!driver) return;
    try {
      await driver.close();
    } finally {
      (driver.client as { close?: () => void }).close?.();
    }
  },
};
