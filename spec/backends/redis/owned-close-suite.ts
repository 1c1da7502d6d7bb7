import { expect } from 'chai';
import type Redis from 'ioredis';
import { isRawClientError } from '../../support/checks';
import { QUIT_WAIT_MS, RedisDriver } from '../../../lib/backends/redis/driver';
import type { IoredisVersion } from './ioredis-versions';
import { newTarget, useRedis } from './support';

/** Resolves with `p`'s outcome, or 'pending' if it has not settled after `ms`. */
function settledWithin<T>(p: Promise<T>, ms: number): Promise<{ value?: T; error?: unknown } | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((r) => (timer = setTimeout(() => r('pending'), ms)));
  return Promise.race([p.then((value) => ({ value }), (error: unknown) => ({ error })), pending]).finally(() => clearTimeout(timer));
}

/**
 * RedisDriver.closeClient(), what closeDefaultClients() runs for the default client, on a
 * client of the `ioredis` major: it reaches into ioredis internals (see `disconnectNow`), so
 * lifecycle.spec.ts runs it on ioredis 6 and ioredis5.spec.ts on ioredis 5.
 */
export function describeOwnedClientClosing(title: string, ioredis: IoredisVersion): void {
  describe(title, function () {
    this.timeout(30_000);
    const redis = useRedis(ioredis);
    const clients: Redis[] = [];

    const ownedDriver = (): { driver: RedisDriver; client: Redis } => {
      const client = new ioredis.Redis(redis.url, { disconnectTimeout: 100 });
      client.on('error', () => undefined);
      clients.push(client);
      return { driver: new RedisDriver(client, { ownsClient: true }), client };
    };

    before(function () {
      if (!redis.server?.managed) this.skip();
    });

    afterEach(async function () {
      for (const c of clients.splice(0)) c.disconnect();
      const server = redis.server!;
      server.resume();
      await server.stop();
      await server.start();
    });

    it('settles a release waiting in the offline queue of a down server (ioredis 5 and 6 leave it pending forever)', async function () {
      const { driver, client } = ownedDriver();
      await client.ping();
      await redis.server!.stop();
      // Bounded wait for ioredis to notice and wait to reconnect.
      for (let i = 0; i < 100 && client.status !== 'reconnecting'; i++) await new Promise((r) => setTimeout(r, 20));
      expect(client.status).to.equal('reconnecting');
      const release = driver.release(newTarget('lifecycle'));
      await driver.closeClient();
      const outcome = await settledWithin(release, 2_000);
      expect(outcome).to.not.equal('pending');
      expect(isRawClientError((outcome as { error?: unknown }).error)).to.equal(true); // the core wraps it
      expect(client.status).to.equal('end');
    });

    it('settles when the server stalls (QUIT is never answered): waits QUIT_WAIT_MS, then drops the connection', async function () {
      const { driver, client } = ownedDriver();
      await client.ping();
      redis.server!.pause();
      const pending = driver.isLocked('stalled-key');
      const outcome = await settledWithin(driver.closeClient(), QUIT_WAIT_MS + 4_000);
      expect(outcome).to.deep.equal({ value: undefined });
      // The request the stall held is rejected by the drop, not left pending.
      const request = await settledWithin(pending, 2_000);
      expect(request).to.not.equal('pending');
      expect(isRawClientError((request as { error?: unknown }).error)).to.equal(true); // the core wraps it
    });
  });
}
