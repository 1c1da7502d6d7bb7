import type { BackendDescriptor } from '../core/driver';
import { etcdBackend } from '../backends/etcd/descriptor';
import { fileBackend } from '../backends/file/descriptor';
import { memcachedBackend } from '../backends/memcached/descriptor';
import { memoryBackend } from '../backends/memory/descriptor';
import { redisBackend } from '../backends/redis/descriptor';
import { zookeeperBackend } from '../backends/zookeeper/descriptor';
import { LockConfigurationError } from '../errors';
import { isBackendDescriptor } from '../options';

const registered = new Map<string, BackendDescriptor>();

/**
 * The backends, as in Python sherlock (`backends.REDIS`, ...), plus `register()` for your own.
 * Loading this registry loads no client library: drivers are required on first use.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { Lock, backends, configure } from 'sherlock-rx';
 *
 * configure({ backend: backends.REDIS, client: new Redis() });
 * // Tests of the same code swap the backend per lock, without a server.
 * const lock = new Lock('invoice-42', { backend: process.env.CI ? backends.MEMORY : backends.REDIS });
 * ```
 */
export const backends = {
  /** Redis (ioredis 5 or 6): see `sherlock-rx/redis`. */
  REDIS: redisBackend,
  /** Memcached (memjs 1.3): see `sherlock-rx/memcached`. */
  MEMCACHED: memcachedBackend,
  /** etcd v3 (etcd3 1.1): see `sherlock-rx/etcd`. */
  ETCD: etcdBackend,
  /** ZooKeeper (node-zookeeper-client 1.1), kazoo-compatible: see `sherlock-rx/zookeeper`. */
  ZOOKEEPER: zookeeperBackend,
  /** In this process's memory: see `sherlock-rx/memory`. */
  MEMORY: memoryBackend,
  /** Lock files in a directory, shared by the processes of one host: see `sherlock-rx/file`. */
  FILE: fileBackend,

  /**
   * Adds a custom backend. It then works with `configure({ backend })`, the generic `Lock`
   * and every core feature (retry, timeout, renewal, loss detection, `withLock`).
   * Throws `LockConfigurationError` if the descriptor is incomplete or its name is taken.
   *
   * @example
   * ```ts
   * const MINE = backends.register({ name: 'mine', keyFor: (n, ns) => ..., driverFor: () => myDriver });
   * configure({ backend: MINE });
   * ```
   */
  register<C>(descriptor: BackendDescriptor<C>): BackendDescriptor<C> {
    if (!isBackendDescriptor(descriptor)) {
      throw new LockConfigurationError(
        'backends.register() needs a descriptor with a string `name`, and `keyFor` and `driverFor` functions.',
      );
    }
    const existing = registered.get(descriptor.name);
    if (existing && existing !== descriptor) {
      throw new LockConfigurationError(`A backend named "${descriptor.name}" is already registered; pick another name.`);
    }
    registered.set(descriptor.name, descriptor);
    return descriptor;
  },

  /** Every registered backend, built-in ones first. */
  all(): BackendDescriptor[] {
    return [...registered.values()];
  },
};

const builtIn: BackendDescriptor[] = [redisBackend, memcachedBackend, etcdBackend, zookeeperBackend, memoryBackend, fileBackend];
for (const b of builtIn) backends.register(b);

/** The registered backend whose client type `client` is, if exactly one claims it. */
export function inferBackend(client: unknown): BackendDescriptor | undefined {
  const matches = backends.all().filter((b) => b.isClient?.(client));
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * Closes the default clients the backends opened themselves (for locks created without a
 * client), so a process can exit. Clients you passed in are never closed.
 *
 * @example
 * ```ts
 * import { closeDefaultClients } from 'sherlock-rx';
 *
 * process.once('SIGTERM', async () => {
 *   await server.close();
 *   // Only the connections the library opened for locks given no `client`; yours stay open.
 *   await closeDefaultClients();
 * });
 * ```
 */
export async function closeDefaultClients(): Promise<void> {
  await Promise.all(backends.all().map((b) => b.closeDefaultClients?.()));
}
