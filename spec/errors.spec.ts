import { expect } from 'chai';
import { LockBackendError, LockConfigurationError, LockError, LockLostError, LockNotOwnedError, LockTimeoutError, isLockBackendError, isLockError, isLockLostError, isLockTimeoutError } from '../lib';
import { toBackendError } from '../lib/errors';

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
    expect((err.cause as Error).message).to.equal(cause.message);
    expect(err.cause).to.be.instanceOf(Error);
    expect(err.lockName).to.equal('orders');
    expect(err.message).to.contain('orders').and.contain('ECONNREFUSED');
    const typed = new LockLostError('already typed');
    expect(toBackendError(typed, 'orders', 'redis', 'renew')).to.equal(typed);
  });

  it('keep no request arguments in the cause: an AUTH password or an owner token stays out of logs', async function () {
    const { inspect } = await import('node:util');
    class ReplyError extends Error {}
    const cause = Object.assign(new ReplyError('WRONGPASS invalid username-password pair'), {
      code: 'WRONGPASS',
      command: { name: 'auth', args: ['default', 's3cret-password'] },
      cause: Object.assign(new Error('inner'), { command: { name: 'evalsha', args: ['0123456789abcdef-owner-token'] } }),
    });
    const err = toBackendError(cause, 'orders', 'redis', 'acquire');
    const printed = inspect(err, { depth: 10 });
    expect(printed).to.not.contain('s3cret-password');
    expect(printed).to.not.contain('0123456789abcdef-owner-token');
    expect(err.cause).to.be.instanceOf(ReplyError);
    expect((err.cause as { code?: string }).code).to.equal('WRONGPASS');
    expect((err.cause as { command?: { name?: string } }).command?.name).to.equal('auth');
    expect(printed).to.contain('WRONGPASS');
    // The original is left as it was: it belongs to the client.
    expect(cause.command.args).to.deep.equal(['default', 's3cret-password']);
  });
});
