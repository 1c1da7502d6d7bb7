/**
 * A real memcached for the integration tests: started on a free loopback port, or the one
 * named by `MEMCACHED_URL` (`host:port` or `memcached://host:port`), which cannot be stopped
 * or restarted by the tests.
 */
import { externalServer, freePort, requireServerBinary, ServerProcess, type TestServer } from './process';

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
