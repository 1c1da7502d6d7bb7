/**
 * The backends under torture: a real server per backend (started by spec/support/servers),
 * its fault controls, and a raw client that reads what is on the server without the library.
 */
import { connect } from 'node:net';
import { MemoryStore } from '../../lib';
import { startEtcdCluster, etcdAvailable } from '../support/servers/etcd';
import { ownMemcachedAvailable, startOwnMemcached } from '../support/servers/memcached';
import { ownRedisAvailable, startOwnRedis } from '../support/servers/redis';
import { openClient, type BackendKind, type OpenClient } from './clients';

/** What the lock library wrote, as a raw client sees it, for comparison before/after. */
export type Snapshot = string;

export interface TortureBackend {
  readonly kind: BackendKind;
  /** Address for clients (Redis URL, memcached host:port, etcd URL); '' for memory. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** The in-process store (memory only). */
  readonly store?: MemoryStore;
  /** Whether the server can be stalled and restarted (false for memory). */
  readonly external: boolean;
  stall(): void;
  resume(): void;
  restart(): Promise<void>;
  /** How many of these lock names have anything on the server (lock key, queue entry). */
  present(names: readonly string[]): Promise<number>;
  /** A fingerprint of every write to the backend (changes when anything is written or deleted). */
  snapshot(names: readonly string[]): Promise<Snapshot>;
  close(): Promise<void>;
}

/** Whether `kind` can run here (loud skip otherwise, failure under CI, as the other specs). */
export function available(kind: BackendKind): boolean {
  if (kind === 'redis') return ownRedisAvailable();
  if (kind === 'memcached') return ownMemcachedAvailable();
  if (kind === 'etcd') return etcdAvailable();
  return true;
}

export async function startBackend(kind: BackendKind): Promise<TortureBackend> {
  switch (kind) {
    case 'memory': {
      const store = new MemoryStore();
      return {
        kind, address: '', host: '', port: 0, store, external: false,
        stall: () => undefined, resume: () => undefined, restart: async () => undefined,
        present: async (names) => names.filter((n) => store.has(n)).length,
        snapshot: async (names) => JSON.stringify(names.map((n) => store.has(n))),
        close: async () => undefined,
      };
    }
    case 'redis': {
      const server = await startOwnRedis(); // its own: the scenarios pause and restart it
      const port = Number(new URL(server.url).port);
      const raw = openClient('redis', server.url) as OpenClient & { client: import('ioredis').default };
      const r = raw.client;
      return {
        kind, address: server.url, host: '127.0.0.1', port, external: true,
        stall: () => server.pause(), resume: () => server.resume(),
        restart: async () => {
          await server.stop();
          await server.start();
        },
        present: async (names) => (names.length === 0 ? 0 : await r.exists(...names)),
        // Every key with its value; INFO's write counter would also move on reads of scripts.
        snapshot: async () => {
          const keys = (await r.keys('*')).sort();
          const values = keys.length ? await r.mget(...keys).catch(() => []) : [];
          return JSON.stringify([keys, values]);
        },
        close: async () => {
          raw.close();
          await server.close();
        },
      };
    }
    case 'memcached': {
      const server = await startOwnMemcached(); // its own: the scenarios pause and restart it
      const [host, port] = server.address.split(':');
      const raw = openClient('memcached', server.address) as OpenClient & { client: import('memjs').Client };
      const m = raw.client;
      // A name memcached cannot store (a space, too long) cannot be present either.
      const has = async (name: string) => (await m.get(name).catch(() => ({ value: null }))).value !== null;
      const stats = () => textStats(host!, Number(port));
      return {
        kind, address: server.address, host: host!, port: Number(port), external: true,
        stall: () => server.pause(), resume: () => server.resume(),
        restart: async () => {
          await server.stop();
          await server.start();
        },
        present: async (names) => {
          let n = 0;
          for (const name of names) if (await has(name)) n++;
          return n;
        },
        // memcached cannot list keys: its write counters (and the named keys) must not move.
        snapshot: async (names) => {
          const s = await stats();
          const writes = ['cmd_set', 'cmd_touch', 'total_items', 'incr_hits', 'incr_misses', 'delete_hits', 'delete_misses', 'cas_hits', 'cas_misses', 'cas_badval', 'touch_hits', 'touch_misses'].map((k) => `${k}=${s[k]}`);
          const present = [];
          for (const name of names) present.push(await has(name));
          return JSON.stringify([writes, present]);
        },
        close: async () => {
          raw.close();
          await server.close();
        },
      };
    }
    case 'etcd': {
      const cluster = await startEtcdCluster(1);
      const member = cluster.members[0]!;
      const raw = openClient('etcd', member.url) as OpenClient & { client: import('etcd3').Etcd3 };
      const e = raw.client;
      return {
        kind, address: member.url, host: '127.0.0.1', port: member.clientPort, external: true,
        stall: () => member.pause(), resume: () => member.resume(),
        restart: async () => {
          await member.stop();
          await member.start();
        },
        present: async (names) => {
          let n = 0;
          for (const name of names) if ((await e.getAll().prefix(`${name}/`).keys()).length > 0) n++;
          return n;
        },
        // The revision moves with every write, even of a key deleted since.
        snapshot: async () => {
          const res = await e.getAll().exec();
          return JSON.stringify([res.header.revision, res.kvs.map((kv) => kv.key.toString()).sort()]);
        },
        close: async () => {
          raw.close();
          await cluster.stop();
        },
      };
    }
  }
}

/** memcached's `stats` over the text protocol (memjs's stats() never called back here). */
function textStats(host: string, port: number): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => socket.write('stats\r\n'));
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('memcached stats timed out')));
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (!reply.endsWith('END\r\n')) return;
      socket.destroy();
      const out: Record<string, string> = {};
      for (const line of reply.split('\r\n')) {
        const [tag, key, value] = line.split(' ');
        if (tag === 'STAT' && key) out[key] = value ?? '';
      }
      resolve(out);
    });
  });
}
