import { expect } from 'chai';
import { LockConfigurationError, MemoryLock } from '../lib';
import { resolveLockOptions, validateLockOptions, DEFAULTS } from '../lib/options';

describe('option validation', function () {
  const bad = (options: unknown, pattern: RegExp) =>
    expect(() => validateLockOptions(options, 'job')).to.throw(LockConfigurationError, pattern);

  it('names the option and what is allowed', function () {
    bad({ expire: -5 }, /"expire" must be a finite number of milliseconds >= 0, got -5/);
    bad({ expire: 0 }, /"expire" must be above 0 ms/);
    bad({ expire: Infinity }, /"expire"/);
    bad({ expire: 2 ** 31 }, /use null for a lock that never expires/);
    bad({ timeout: -1 }, /"timeout" must be a number of milliseconds >= 0 \(or Infinity\)/);
    bad({ timeout: '10' }, /got "10"/);
    bad({ timeout: 2 ** 32 }, /use Infinity to wait forever/);
    bad({ retryInterval: NaN }, /"retryInterval"/);
    bad({ autoRenew: 'yes' }, /"autoRenew" must be a boolean/);
    bad({ namespace: '' }, /"namespace" must be a non-empty string or null/);
    bad({ expiry: 5 }, /unknown option "expiry"/);
    bad({ backend: 'redis' }, /"backend" must be one of backends.REDIS/);
    bad(42, /options must be an object/);
  });

  it('names the lock in the message', function () {
    expect(() => new MemoryLock('payroll', { timeout: -1 })).to.throw(/Lock "payroll"/);
  });

  it('accepts the documented special values', function () {
    expect(() => validateLockOptions({ expire: null, timeout: Infinity, retryInterval: 0, timeout2: undefined } as any)).to.throw(
      /unknown option/,
    );
    validateLockOptions({ expire: null, timeout: Infinity, retryInterval: 0, autoRenew: true, namespace: null });
    validateLockOptions({ expire: 0.5, timeout: 0 });
  });

  it('merges over defaults without losing explicit nulls', function () {
    expect(resolveLockOptions(DEFAULTS, { expire: null })).to.deep.equal({ ...DEFAULTS, expire: null });
    expect(resolveLockOptions(DEFAULTS, {})).to.deep.equal(DEFAULTS);
    expect(DEFAULTS).to.deep.equal({ namespace: null, expire: 60_000, timeout: 10_000, retryInterval: 100, autoRenew: false });
  });
});
