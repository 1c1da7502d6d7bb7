/**
 * A stalled server (SIGSTOP: connections stay open, nothing is answered): every request
 * fails within its bound, one-attempt calls reject with LockBackendError, and nothing stays
 * pending in the client afterwards.
 */
import { expect } from 'chai';
import * as memjs from 'memjs';
import { isLockBackendError, MemcachedLock } from '../../../lib';
import { isRawClientError } from '../../support/checks';
import { memcachedBackend } from '../../../lib/backends/memcached/descriptor';
import { MAX_REQUEST_MS, type MemjsClient } from '../../../lib/backends/memcached/send';
import { sleep } from '../../support/async';
import { memcachedAvailable, startMemcached, type MemcachedServer } from '../../support/servers/memcached';
import { runPrefix } from './support';

/** Requests memjs still waits on, summed over the client's servers. */
function pendingRequests(client: MemjsClient): number {
  return (client.servers as unknown as { responseCallbacks: object }[]).reduce(
    (n, s) => n + Object.keys(s.responseCallbacks).length,
    0,
  );
}

const silent = { log: () => undefined };

(memcachedAvailable() ? describe : describe.skip)('memcached against a stalled server @integration', function () {
  this.timeout(40_000);
  let server: MemcachedServer;
  const ns = runPrefix();
  const clients: MemjsClient[] = [];
  const client = (timeoutSeconds: number): MemjsClient => {
    const c = memjs.Client.create(server.address, { timeout: timeoutSeconds, retries: 1, logger: silent });
    clients.push(c);
    return c;
  };

  /**
   * SIGSTOP is queued when kill() returns, but memcached's threads stop a moment later: a
   * request written at once was sometimes still answered.
   */
  const stall = async (): Promise<void> => {
    server.pause();
    await sleep(200);
  };

  before(async function () {
    server = await startMemcached();
    if (!server.managed) this.skip();
  });

  afterEach(() => {
    server.resume();
    for (const c of clients.splice(0)) c.close();
  });

  after(async () => {
    await server?.close();
  });

  it('fails each request after the client timeout even while new requests keep being written', async () => {
    // memjs's timeout is an idle timeout of the socket that every write restarts: before the
    // per-request deadline, none of these failed until the writes stopped.
    const c = client(1);
    const driver = memcachedBackend.driverFor(c);
    await driver.isLocked(`${ns}_warm`);
    await stall();
    const STREAM_MS = 6_000;
    const started = Date.now();
    const failedAfter: number[] = [];
    const requests: Promise<unknown>[] = [];
    for (let i = 0; Date.now() - started < STREAM_MS && i < 100; i++) {
      const sentAt = Date.now();
      requests.push(driver.isLocked(`${ns}_k${i}`).catch(() => failedAfter.push(Date.now() - sentAt)));
      await sleep(200);
    }
    const firstFailure = failedAfter[0];
    expect(firstFailure, 'no request failed while the writes went on').to.be.a('number');
    // 1 s timeout; the bound checked is "before the stream of writes ended".
    expect(firstFailure).to.be.below(STREAM_MS - 1_000);
    server.resume();
    await Promise.all(requests);
    expect(pendingRequests(c)).to.equal(0);
  });

  it('caps a request at MAX_REQUEST_MS when the client timeout is longer', async () => {
    const c = client(60);
    const driver = memcachedBackend.driverFor(c);
    await driver.isLocked(`${ns}_warm`);
    await stall();
    const started = Date.now();
    const err = await driver.isLocked(`${ns}_capped`).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(isRawClientError(err), `${String(err)} after ${elapsed} ms`).to.equal(true);
    expect(elapsed).to.be.at.least(MAX_REQUEST_MS - 50);
    expect(elapsed).to.be.below(30_000);
    expect(pendingRequests(c)).to.equal(0);
  });

  for (const [what, call] of [
    ['acquire(false)', (l: MemcachedLock) => l.acquire(false)],
    ['acquire({ timeout: 0 })', (l: MemcachedLock) => l.acquire({ timeout: 0 })],
    ['locked()', (l: MemcachedLock) => l.locked()],
  ] as const) {
    it(`rejects ${what} with LockBackendError and leaves nothing pending`, async () => {
      const c = client(0.5);
      const lock = new MemcachedLock(`one-${what.length}`, { namespace: ns, client: c });
      await lock.locked();
      await stall();
      const started = Date.now();
      const err = await call(lock).catch((e: unknown) => e);
      const elapsed = Date.now() - started;
      if (process.env.MC_STALL_TIMINGS) console.log(`${what}: rejected after ${elapsed} ms`);
      expect(isLockBackendError(err), String(err)).to.equal(true);
      // A withdrawal release of the core may still be in flight; it too fails within 0.5 s.
      await sleep(1_500);
      expect(pendingRequests(c)).to.equal(0);
    });
  }
});
