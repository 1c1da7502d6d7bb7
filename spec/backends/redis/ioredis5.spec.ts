/**
 * The Redis backend on ioredis 5 (the `ioredis5` dev dependency), the lower half of the peer
 * range `^5.9.3 || ^6.0.0`; the other Redis specs run on ioredis 6. Runs what depends on the
 * client: the whole conformance suite, the driver's own cases (scripts and NOSCRIPT, the
 * connection guard, pub/sub, keyPrefix, faults), the closing of an owned client, the Cluster
 * cases, and the default client (made by the library itself) in a child process.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { describeConformance } from '../../conformance/suite';
import { freePort } from '../../support/servers/process';
import { expectCleanExit, runChild, CHILD_KILL_MS, type ChildRun } from './children/run-child';
import { describeRedisCluster } from './cluster-suite';
import { describeRedisDriver } from './driver-suite';
import { IOREDIS_5, IOREDIS_6 } from './ioredis-versions';
import { describeOwnedClientClosing } from './owned-close-suite';
import { redisFixture, useRedis } from './support';

describe('redis backend on ioredis 5 @integration', function () {
  const redis = useRedis(IOREDIS_5);

  // Every case in this file would pass vacuously if its clients were ioredis 6.
  it('makes its clients with ioredis 5', function () {
    expect(IOREDIS_5.version).to.match(/^5\./);
    expect(IOREDIS_6.version).to.match(/^6\./);
    const c = redis.client({ lazyConnect: true });
    expect(c).to.be.an.instanceOf(IOREDIS_5.Redis);
    expect(c).to.not.be.an.instanceOf(IOREDIS_6.Redis);
  });

  describeConformance('redis on ioredis 5 @integration', async () => redisFixture(redis.client(), redis.client()));
});

describeRedisDriver('redis driver on ioredis 5 @integration', IOREDIS_5);

describeOwnedClientClosing('redis owned client closing on ioredis 5 @integration', IOREDIS_5);

describeRedisCluster('redis backend on a Redis Cluster, ioredis 5 @integration', IOREDIS_5, { conformance: false });

/**
 * The default client is made by the library with `require('ioredis')`, so it is ioredis 5 only
 * in a process where `ioredis` is 5: a child with ioredis5-alias.ts preloaded. Two of
 * lifecycle.spec.ts's cases, chosen for what they touch of ioredis's internals (the idle socket
 * and the reconnect timer unreferenced by IdleUnref; QUIT, then disconnectNow of a client
 * waiting to reconnect) and for their run time (the "closes nothing" cases take 10 to 20 s).
 * Both children run at once, to halve the wait: one on the server, one on a port where nothing
 * listens (a server that is down).
 */
describe('redis default client on ioredis 5 @integration', function () {
  this.timeout(CHILD_KILL_MS + 15_000);
  const redis = useRedis(IOREDIS_5);
  const alias = [join(__dirname, 'children', 'ioredis5-alias.ts')];
  const loaded = (run: ChildRun): unknown => run.steps.find((s) => s.step === 'result')?.ioredisModules;
  let up: Promise<ChildRun>;
  let down: Promise<ChildRun>;

  before(async function () {
    const child = (port: number): Promise<ChildRun> =>
      runChild({ port, client: 'default', op: 'acquire', stallAfterReady: false, close: true }, undefined, alias);
    up = child(Number(new URL(redis.url).port));
    down = child(await freePort());
    // Awaited by the tests; a spawn failure must not go unhandled before then.
    up.catch(() => undefined);
    down.catch(() => undefined);
  });

  it('server up: acquire + release, awaits closeDefaultClients(), exits on its own', async function () {
    const run = await up;
    expectCleanExit(run, ['result', 'closed', 'end']);
    expect(run.steps[0]).to.include({ acquired: true });
    expect(loaded(run)).to.deep.equal(['ioredis5']);
  });

  it('server down: acquire fails with a LockError, awaits closeDefaultClients() (of a client waiting to reconnect), exits on its own', async function () {
    const run = await down;
    expectCleanExit(run, ['result', 'closed', 'end']);
    expect(run.steps[0]).to.include({ lockError: true });
    expect(loaded(run)).to.deep.equal(['ioredis5']);
  });
});
