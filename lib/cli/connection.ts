/**
 * Creates the backend client for the configured backend and the lock on it, and closes the
 * client at the end: clients we pass to the library are never closed by it, and an open one
 * would keep the process alive after the command ended.
 */
import type { Client as MemjsClient } from 'memjs';
import type { Redis } from 'ioredis';
import { closeDefaultClients, EtcdLock, FileLock, Lock, LockConfigurationError, MemcachedLock, MemoryLock, MemoryStore, RedisLock, ZooKeeperLock, isLockConfigurationError } from '../index';
import type { ConnectionConfig } from './config';

/** Lock options the commands set on top of the connection. */
export interface LockSettings {
  expire?: number;
  timeout?: number;
  autoRenew?: boolean;
}

/** A lock on a client of our own, and how to close that client. */
export interface Connection {
  readonly lock: Lock;
  close(): Promise<void>;
}

/** The lock `name` on a new client of the configured backend. */
export async function connect(config: ConnectionConfig, name: string, settings: LockSettings): Promise<Connection> {
  const options = { namespace: config.namespace, ...settings };
  switch (config.backend) {
    case 'memory': {
      const store = new MemoryStore();
      return { lock: new MemoryLock(name, { ...options, client: store }), close: async () => undefined };
    }
    case 'redis': {
      const { Redis } = await load<typeof import('ioredis')>('ioredis', () => new RedisLock(name));
      // maxRetriesPerRequest: a server that is down fails a request after two reconnects
      // (well under a second) instead of twenty; disconnectTimeout: no 2 s timer after quit.
      const client: Redis = new Redis(config.url!, { maxRetriesPerRequest: 2, disconnectTimeout: 100 });
      // Failures reach us as LockBackendError; ioredis would also print each one unasked.
      client.on('error', () => undefined);
      return { lock: new RedisLock(name, { ...options, client }), close: () => closeRedis(client) };
    }
    case 'memcached': {
      const memjs = await load<typeof import('memjs')>('memjs', () => new MemcachedLock(name));
      const servers = config.url!.split(',').map((s) => s.trim().replace(/^memcached:\/\//, '')).join(',');
      const client: MemjsClient = memjs.Client.create(servers, { retries: 1, timeout: 1, conntimeout: 1, logger: { log: () => undefined } });
      return { lock: new MemcachedLock(name, { ...options, client }), close: async () => client.close() };
    }
    case 'etcd': {
      await load<typeof import('etcd3')>('etcd3', () => new EtcdLock(name));
      // The library's default etcd client, not one of ours: closeDefaultClients() revokes its
      // sessions, which deletes every key on them at once. With a client of our own, the
      // waiting key of a busy --no-wait attempt (deleted in the background) could outlive the
      // process and block the next waiter until its lease expired (a whole expire).
      process.env.SHERLOCK_ETCD_HOSTS = config.url!;
      return { lock: new EtcdLock(name, options), close: () => closeDefaultClients() };
    }
    case 'zookeeper': {
      await load<typeof import('node-zookeeper-client')>('node-zookeeper-client', () => new ZooKeeperLock(name));
      // The library's default client, as for etcd: closeDefaultClients() closes its session,
      // which deletes our ephemeral nodes (a busy --no-wait attempt's included) at once.
      process.env.SHERLOCK_ZOOKEEPER_HOSTS = config.url!;
      return { lock: new ZooKeeperLock(name, options), close: () => closeDefaultClients() };
    }
    case 'file':
      // Nothing to close: the client is a directory, and its watch never keeps the process alive.
      return { lock: new FileLock(name, { ...options, client: config.url! }), close: async () => undefined };
  }
}

async function closeRedis(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/**
 * Loads a client library. When it is not installed, the library itself says so (through a
 * lock on its default client, which loads the same package): the CLI's message is then the
 * library's `LockConfigurationError`, naming the package to install.
 */
async function load<T>(pkg: string, probe: () => Lock): Promise<T> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(pkg) as T;
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw err;
    const fromLibrary = await probe()
      .locked()
      .then(
        () => undefined,
        (e: unknown) => (isLockConfigurationError(e) ? e : undefined),
      );
    throw fromLibrary ?? new LockConfigurationError(`The ${pkg} package is not installed: npm install ${pkg}.`, { cause: err });
  }
}
