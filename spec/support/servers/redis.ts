/**
 * A real redis-server for the integration tests: started on a free loopback port with no
 * persistence, or the one named by `REDIS_URL` (e.g. `redis://127.0.0.1:6379/0`), which cannot
 * be stopped or restarted by the tests. Tests that stop, pause or restart the server start
 * their own with {@link startOwnRedis} even when `REDIS_URL` is set (as etcd's fault tests use
 * `startEtcdCluster`). Also a three-node Redis Cluster, started the same way (or named by
 * `REDIS_CLUSTER_NODES`).
 */
import { spawnSync } from 'node:child_process';
import { externalServer, freePort, hasBinary, requireServerBinary, ServerProcess, type TestServer, tempDir } from './process';

/** The environment variable naming an existing Redis to test against. */
export const REDIS_URL_VAR = 'REDIS_URL';

/** A Redis the tests can use. */
export interface RedisServer extends TestServer {
  /** `redis://host:port`, as ioredis's `new Redis(url)` takes it. */
  readonly url: string;
}

/** Whether the Redis tests can run (loud skip when missing locally, failure under CI). */
export function redisAvailable(): boolean {
  return requireServerBinary('redis-server', REDIS_URL_VAR);
}

/**
 * Whether a test that stops, pauses or restarts its server can run: it starts its own with
 * {@link startOwnRedis}, so it needs the binary even when `REDIS_URL` is set.
 */
export function ownRedisAvailable(): boolean {
  if (hasBinary('redis-server')) return true;
  const msg = 'redis-server is not installed (tests that stop or pause the server start their own, even with REDIS_URL)';
  if (process.env.CI === 'true') throw new Error(`${msg}: CI must install it (see .ci/run).`);
  console.warn(`\n  !!! SKIPPING ${msg}.\n`);
  return false;
}

/** Starts redis-server on a free port (or wraps `REDIS_URL`). */
export async function startRedis(): Promise<RedisServer> {
  const url = process.env[REDIS_URL_VAR];
  if (url) {
    return { url, ...externalServer(REDIS_URL_VAR) };
  }
  return startOwnRedis();
}

/**
 * Starts redis-server on a free port, ignoring `REDIS_URL`: for tests that stop, pause or
 * restart the server, which they must not do to a server they were lent.
 */
export async function startOwnRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = tempDir('redis');
  // No RDB snapshots, no AOF: a restart comes back empty, like a crashed cache node.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir.path, '--daemonize', 'no'];
  const proc = new ServerProcess('redis-server', 'redis-server', args, port);
  try {
    await proc.start();
  } catch (err) {
    dir.remove();
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    managed: true,
    stop: (hard) => proc.stop(hard),
    start: () => proc.start(),
    pause: () => proc.pause(),
    resume: () => proc.resume(),
    close: async () => {
      await proc.stop();
      dir.remove();
    },
  };
}

/**
 * The environment variable naming an existing Redis Cluster to test against, as
 * comma-separated `host:port` startup nodes.
 */
export const REDIS_CLUSTER_VAR = 'REDIS_CLUSTER_NODES';

/** A Redis Cluster the tests can use. */
export interface RedisClusterServer {
  /** Startup nodes for `new Cluster(nodes)`. */
  readonly nodes: Array<{ host: string; port: number }>;
  /** Stops every node and removes their directories. */
  close(): Promise<void>;
}

/** Whether the cluster tests can run: they need redis-server and redis-cli (Debian: redis-tools). */
export function redisClusterAvailable(): boolean {
  return requireServerBinary('redis-server', REDIS_CLUSTER_VAR) && requireServerBinary('redis-cli', REDIS_CLUSTER_VAR);
}

/**
 * Starts a three-master Redis Cluster (no replicas, no persistence) on free loopback ports and
 * waits until it serves every slot; or wraps `REDIS_CLUSTER_NODES`.
 */
export async function startRedisCluster(): Promise<RedisClusterServer> {
  const env = process.env[REDIS_CLUSTER_VAR];
  if (env) {
    const nodes = env.split(',').map((hp) => {
      const [host, port] = hp.trim().split(':');
      return { host: host!, port: Number(port) };
    });
    return { nodes, close: () => Promise.resolve() };
  }
  const procs: ServerProcess[] = [];
  const dirs: Array<{ remove(): void }> = [];
  const close = async (): Promise<void> => {
    await Promise.all(procs.map((p) => p.stop()));
    for (const d of dirs) d.remove();
  };
  try {
    // Three client ports and three cluster-bus ports (the default bus port, port + 10000, can
    // exceed 65535 for an ephemeral port). freePort() closes its probe: ask until all differ.
    const taken: number[] = [];
    for (let i = 0; i < 6; i++) {
      let port = await freePort();
      while (taken.includes(port)) port = await freePort();
      taken.push(port);
    }
    const ports = taken.slice(0, 3);
    for (const [i, port] of ports.entries()) {
      const dir = tempDir('redis-cluster');
      dirs.push(dir);
      const args = [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir.path,
        '--daemonize', 'no', '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000',
        '--cluster-port', String(taken[3 + i]),
      ];
      const proc = new ServerProcess(`redis-server (cluster :${port})`, 'redis-server', args, port);
      procs.push(proc);
      await proc.start();
    }
    const addresses = ports.map((p) => `127.0.0.1:${p}`);
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await waitForClusterOk(ports);
    return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Polls CLUSTER INFO on every node until each reports `cluster_state:ok`. */
async function waitForClusterOk(ports: number[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = ports.every((port) => {
      const info = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info'], { encoding: 'utf8' });
      return info.status === 0 && info.stdout.includes('cluster_state:ok');
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the Redis Cluster on ports ${ports.join(', ')} is not ok after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
