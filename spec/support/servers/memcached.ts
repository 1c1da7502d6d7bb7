/**
 * A real memcached for the integration tests: started on a free loopback port, or the one
 * named by `MEMCACHED_URL` (`host:port` or `memcached://host:port`), which cannot be stopped
 * or restarted by the tests. Tests that stop, pause or restart the server start their own with
 * {@link startOwnMemcached} even when `MEMCACHED_URL` is set (as etcd's fault tests use
 * `startEtcdCluster`).
 */
import { externalServer, freePort, hasBinary, requireServerBinary, ServerProcess, type TestServer } from './process';

/** The environment variable naming an existing memcached to test against. */
export const MEMCACHED_URL_VAR = 'MEMCACHED_URL';

/** A memcached the tests can use. */
export interface MemcachedServer extends TestServer {
  /** `host:port`, as memjs's `Client.create()` takes it. */
  readonly address: string;
}

/** Whether the memcached tests can run (loud skip when missing locally, failure under CI). */
export function memcachedAvailable(): boolean {
  return requireServerBinary('memcached', MEMCACHED_URL_VAR);
}

/** Starts memcached on a free port (or wraps `MEMCACHED_URL`). */
export async function startMemcached(): Promise<MemcachedServer> {
  const url = process.env[MEMCACHED_URL_VAR];
  if (url) {
    const address = url.replace(/^memcached:\/\//, '').replace(/\/.*$/, '');
    return { address, ...externalServer(MEMCACHED_URL_VAR) };
  }
  return startOwnMemcached();
}

/**
 * Whether a test that stops, pauses or restarts its server can run: it starts its own with
 * {@link startOwnMemcached}, so it needs the binary even when `MEMCACHED_URL` is set.
 */
export function ownMemcachedAvailable(): boolean {
  if (hasBinary('memcached')) return true;
  const msg = 'memcached is not installed (tests that stop or pause the server start their own, even with MEMCACHED_URL)';
  if (process.env.CI === 'true') throw new Error(`${msg}: CI must install it (see .ci/run).`);
  console.warn(`\n  !!! SKIPPING ${msg}.\n`);
  return false;
}

/**
 * Starts memcached on a free port, ignoring `MEMCACHED_URL`: for tests that stop, pause or
 * restart the server, which they must not do to a server they were lent.
 */
export async function startOwnMemcached(): Promise<MemcachedServer> {
  const port = await freePort();
  // -U 0: no UDP listener; -u root: memcached refuses to run as root without it.
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64'];
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const proc = new ServerProcess('memcached', 'memcached', args, port);
  await proc.start();
  return {
    address: `127.0.0.1:${port}`,
    managed: true,
    stop: (hard) => proc.stop(hard),
    start: () => proc.start(),
    pause: () => proc.pause(),
    resume: () => proc.resume(),
    close: () => proc.stop(),
  };
}
