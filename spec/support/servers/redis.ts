/**
 * A real redis-server for the integration tests: started on a free loopback port with no
 * persistence, or the one named by `REDIS_URL` (e.g. `redis://127.0.0.1:6379/0`), which cannot
 * be stopped or restarted by the tests.
 */
import { freePort, requireServerBinary, ServerProcess, tempDir } from './process';

/** The environment variable naming an existing Redis to test against. */
export const REDIS_URL_VAR = 'REDIS_URL';

/** A Redis the tests can use. */
export interface RedisServer {
  /** `redis://host:port`, as ioredis's `new Redis(url)` takes it. */
  readonly url: string;
  /** Whether the harness started it (and so can stop and restart it). */
  readonly managed: boolean;
  /** Stops the server (SIGKILL with `hard`, as a crash); it can be started again on the same port. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port; with no persistence it comes back empty. */
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

/** Whether the Redis tests can run (loud skip when missing locally, failure under CI). */
export function redisAvailable(): boolean {
  return requireServerBinary('redis-server', REDIS_URL_VAR);
}

/** Starts redis-server on a free port (or wraps `REDIS_URL`). */
export async function startRedis(): Promise<RedisServer> {
  const url = process.env[REDIS_URL_VAR];
  if (url) {
    const refuse = (): Promise<void> => Promise.reject(new Error(`cannot stop or start the server of ${REDIS_URL_VAR}`));
    return { url, managed: false, stop: refuse, start: refuse, close: () => Promise.resolve() };
  }
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
    close: async () => {
      await proc.stop();
      dir.remove();
    },
  };
}
