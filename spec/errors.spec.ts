import { expect } from 'chai';
import {
  LockBackendError,
  LockConfigurationError,
  LockError,
  LockLostError,
  LockNotOwnedError,
  LockTimeoutError,
  isLockBackendError,
  isLockError,
  isLockLostError,
  isLockTimeoutError,
  toBackendError,
} from '../lib';

describe('errors', function () {
  it('give every class a stable code and a name', function () {
    const cases: Array<[LockError, string, string]> = [
      [new LockError('x'), 'ELOCK', 'LockError'],
      [new LockTimeoutError('x'), 'ELOCKTIMEOUT', 'LockTimeoutError'],
      [new LockLostError('x'), 'ELOCKLOST', 'LockLostError'],
      [new LockNotOwnedError('x'), 'ELOCKNOTOWNED', 'LockNotOwnedError'],
      [new LockConfigurationError('x'), 'ELOCKCONFIG', 'LockConfigurationError'],
      [new LockBackendError('x'), 'ELOCKBACKEND', 'LockBackendError'],
    ];
    for (const [err, code, name] of cases) {
      expect(err.code).to.equal(code);
      expect(err.name).to.equal(name);
      expect(err).to.be.instanceOf(LockError);
      expect(isLockError(err)).to.equal(true);
    }
  });

  it('recognise errors from another copy of the package by brand, not instanceof', function () {
    const foreign = Object.assign(new Error('x'), { code: 'ELOCKLOST', [Symbol.for('sherlock-rx.LockError')]: true });
    expect(isLockLostError(foreign)).to.equal(true);
    expect(isLockTimeoutError(foreign)).to.equal(false);
    expect(isLockError(new Error('plain'))).to.equal(false);
  });

  it('wrap driver failures as LockBackendError keeping the cause and naming the lock', function () {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    const err = toBackendError(cause, 'orders', 'redis', 'acquire');
    expect(isLockBackendError(err)).to.equal(true);
    expect(err.cause).to.equal(cause);
    expect(err.lockName).to.equal('orders');
    expect(err.message).to.contain('orders').and.contain('ECONNREFUSED');
    const typed = new LockLostError('already typed');
    expect(toBackendError(typed, 'orders', 'redis', 'renew')).to.equal(typed);
  });
});
