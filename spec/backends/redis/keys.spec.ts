import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { redisBackend } from '../../../lib/backends/redis/descriptor';
import { fenceKeyOf, releaseChannelOf } from '../../../lib/backends/redis/keys';
import { hasHashTag, isRedisClient } from '../../../lib/backends/redis/client';
import { ttlArg } from '../../../lib/backends/redis/scripts';
import { isLockConfigurationError } from '../../../lib/errors';

function configError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    expect(isLockConfigurationError(err), String(err)).to.equal(true);
    return err as Error;
  }
  throw new Error('expected a LockConfigurationError');
}

describe('redis keys', () => {
  it("uses Python sherlock's format: <namespace>_<name>, or the bare name", () => {
    expect(redisBackend.keyFor('job', 'billing')).to.equal('billing_job');
    expect(redisBackend.keyFor('job', null)).to.equal('job');
  });

  it('keeps the fencing counter in the lock key\'s cluster slot with a hash tag', () => {
    expect(fenceKeyOf('billing_job')).to.equal('{billing_job}:fence');
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
      const err = configError(() => redisBackend.keyFor(name, ns));
      expect(err.message).to.match(/hash tag/);
      expect(err.message).to.match(/slot/);
    }
  });

  it('applies the shared name checks', () => {
    configError(() => redisBackend.keyFor('', null));
    configError(() => redisBackend.keyFor('a\nb', null));
    configError(() => redisBackend.keyFor('x'.repeat(201), null));
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
    configError(() => redisBackend.driverFor({ nope: true } as never));
  });

  it('loads neither ioredis nor the driver from the root entry', function () {
    this.timeout(60_000);
    const probe =
      "require('./lib');" +
      "const loaded = Object.keys(require.cache).filter((k) => /node_modules[\\\\/]ioredis[\\\\/]|backends[\\\\/]redis[\\\\/]driver/.test(k));" +
      'process.stdout.write(JSON.stringify(loaded));';
    const run = spawnSync(process.execPath, ['-r', 'ts-node/register', '-e', probe], {
      cwd: `${__dirname}/../../..`,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.equal([]);
  });
});
