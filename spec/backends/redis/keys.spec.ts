import { expect } from 'chai';
import { redisBackend } from '../../../lib/backends/redis/descriptor';
import {
  fenceKeyOf,
  LOCK_KEYS_CACHE_SIZE,
  LockKeysCache,
  releaseChannelOf,
  waiterQueueKeyOf,
  waiterSeenKeyOf,
  waiterTtlKeyOf,
} from '../../../lib/backends/redis/keys';
import { hasHashTag, isRedisClient } from '../../../lib/backends/redis/client';
import { ttlArg } from '../../../lib/backends/redis/scripts';
import { expectConfigError, modulesLoadedBy } from '../../support/checks';

describe('redis keys', () => {
  it("uses Python sherlock's format: <namespace>_<name>, or the bare name", () => {
    expect(redisBackend.keyFor('job', 'billing')).to.equal('billing_job');
    expect(redisBackend.keyFor('job', null)).to.equal('job');
  });

  it('keeps the fencing counter in the lock key\'s cluster slot with a hash tag', () => {
    expect(fenceKeyOf('billing_job')).to.equal('{billing_job}:fence');
  });

  it('caches the key names of a lock, and starts over when the cache is full', () => {
    const cache = new LockKeysCache();
    const first = cache.of('billing_job');
    expect(first).to.deep.equal({
      lock: 'billing_job',
      fence: fenceKeyOf('billing_job'),
      waiters: waiterQueueKeyOf('billing_job'),
      seen: waiterSeenKeyOf('billing_job'),
      ttls: waiterTtlKeyOf('billing_job'),
    });
    expect(cache.of('billing_job')).to.equal(first);
    for (let i = 0; i < LOCK_KEYS_CACHE_SIZE; i++) cache.of(`other_${i}`);
    const again = cache.of('billing_job');
    expect(again).to.not.equal(first); // built anew after the cache started over
    expect(again).to.deep.equal(first);
  });

  it('names the release channel after the key and the client keyPrefix', () => {
    expect(releaseChannelOf('', 'ns_x')).to.equal('sherlock-rx:released:ns_x');
    expect(releaseChannelOf('app:', 'ns_x')).to.equal('sherlock-rx:released:app:ns_x');
  });

  it('rejects braces in names and namespaces, explaining the hash-tag problem', () => {
    for (const [name, ns] of [
      ['a{b}', null],
      ['a}', 'ns'],
      ['x', '{ns'],
      ['{x}:fence', null],
    ] as const) {
      const err = expectConfigError(() => redisBackend.keyFor(name, ns));
      expect(err.message).to.match(/hash tag/);
      expect(err.message).to.match(/slot/);
    }
  });

  it('applies the shared name checks', () => {
    expectConfigError(() => redisBackend.keyFor('', null));
    expectConfigError(() => redisBackend.keyFor('a\nb', null));
    expectConfigError(() => redisBackend.keyFor('x'.repeat(201), null));
  });

  it('rounds fractional expiries up to whole milliseconds and maps null to "never"', () => {
    expect(ttlArg(1500.2)).to.equal('1501');
    expect(ttlArg(0.3)).to.equal('1');
    expect(ttlArg(2 ** 31 - 1)).to.equal(String(2 ** 31 - 1));
    expect(ttlArg(null)).to.equal('');
  });

  it('recognises hash tags as Redis Cluster does', () => {
    expect(hasHashTag('{app}:')).to.equal(true);
    expect(hasHashTag('app:')).to.equal(false);
    expect(hasHashTag('{}app')).to.equal(false);
    expect(hasHashTag('a{')).to.equal(false);
  });
});

describe('redis descriptor', () => {
  it('duck-types ioredis clients without loading ioredis', () => {
    const fake = { defineCommand() {}, duplicate() {}, pipeline() {}, status: 'ready' };
    expect(isRedisClient(fake)).to.equal(true);
    expect(redisBackend.isClient!(fake)).to.equal(true);
    expect(redisBackend.isClient!({ get() {}, set() {} })).to.equal(false);
    expect(redisBackend.isClient!(null)).to.equal(false);
  });

  it('refuses a client that is not an ioredis client', () => {
    expectConfigError(() => redisBackend.driverFor({ nope: true } as never));
  });

  it('loads neither ioredis nor the driver from the root entry', function () {
    this.timeout(60_000);
    const loaded = modulesLoadedBy(
        "require('./lib');",
      /node_modules[\\/]ioredis[\\/]|backends[\\/]redis[\\/]driver/,
    );
    expect(loaded).to.deep.equal([]);
  });
});
