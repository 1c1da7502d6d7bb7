import { expect } from 'chai';
import { LockConfigurationError, MAX_EXPIRE, MemoryLock } from '../lib';
import { resolveLockOptions, validateLockOptions, DEFAULTS } from '../lib/options';

describe('option validation', function () {
  const bad = (options: unknown, pattern: RegExp) =>
    expect(() => validateLockOptions(options, 'job')).to.throw(LockConfigurationError, pattern);

  it('names the option and what is allowed', function () {
    bad({ expire: -5 }, /"expire" must be a finite number of milliseconds >= 0, got -5/);
    bad({ expire: 0 }, /"expire" must be above 0 ms/);
    bad({ expire: Infinity }, /"expire"/);
    bad({ expire: MAX_EXPIRE + 1 }, /at most .* \(50 years\).*use null for a lock that never expires/);
    bad({ expire: 5 }, /at least 10 ms .*margin for clock drift/);
    bad({ timeout: -1 }, /"timeout" must be a number of milliseconds >= 0 \(or Infinity\)/);
    bad({ timeout: '10' }, /got "10"/);
    bad({ timeout: 2 ** 32 }, /use Infinity to wait forever/);
    bad({ retryInterval: NaN }, /"retryInterval"/);
    bad({ autoRenew: 'yes' }, /"autoRenew" must be a boolean/);
    bad({ namespace: '' }, /"namespace" must be a non-empty string or null/);
    bad({ expiry: 5 }, /unknown option "expiry"/);
    bad({ backend: 'redis' }, /"backend" must be one of backends\.<NAME>/);
    bad(42, /options must be an object/);
  });

  it('lists every option, in table order, for an unknown one', function () {
    bad({ expiry: 5 }, /allowed: namespace, expire, timeout, retryInterval, autoRenew, backend, client\.$/);
  });

  it('checks options in table order and reports the first bad one', function () {
    bad({ autoRenew: 'yes', namespace: '' }, /"namespace"/);
  });

  it('names the lock in the message', function () {
    expect(() => new MemoryLock('payroll', { timeout: -1 })).to.throw(/Lock "payroll"/);
  });

  it('accepts the documented special values', function () {
    expect(() => validateLockOptions({ expire: null, timeout: Infinity, retryInterval: 0, timeout2: undefined } as any)).to.throw(
      /unknown option/,
    );
    validateLockOptions({ expire: null, timeout: Infinity, retryInterval: 0, autoRenew: true, namespace: null });
    validateLockOptions({ expire: 10.5, timeout: 0 });
  });

  it('accepts expiries beyond what one setTimeout can wait (the local timers are chained)', function () {
    validateLockOptions({ expire: 2 ** 31 });
    validateLockOptions({ expire: 40 * 24 * 3600 * 1000 });
    validateLockOptions({ expire: MAX_EXPIRE });
    bad({ retryInterval: 2 ** 31 }, /"retryInterval" must be at most 2147483647 ms/);
  });

  it('merges over defaults without losing explicit nulls', function () {
    expect(resolveLockOptions(DEFAULTS, { expire: null })).to.deep.equal({ ...DEFAULTS, expire: null });
    expect(resolveLockOptions(DEFAULTS, {})).to.deep.equal(DEFAULTS);
    expect(DEFAULTS).to.deep.equal({ namespace: null, expire: 60_000, timeout: 10_000, retryInterval: 100, autoRenew: false });
  });
});
