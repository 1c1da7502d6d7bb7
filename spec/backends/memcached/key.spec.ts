import { expect } from 'chai';
import { memcachedBackend } from '../../../lib/backends/memcached/descriptor';
import { FENCE_SUFFIX, fenceKeyOf, MAX_KEY_BYTES } from '../../../lib/backends/memcached/key';
import { expectConfigError, modulesLoadedBy } from '../../support/checks';

describe('memcached keys', () => {
  it('uses Python sherlock\'s format: <namespace>_<name>, or the bare name', () => {
    expect(memcachedBackend.keyFor('job', 'billing')).to.equal('billing_job');
    expect(memcachedBackend.keyFor('job', null)).to.equal('job');
  });

  it('puts the fencing counter next to the lock under a reserved suffix', () => {
    expect(fenceKeyOf('billing_job')).to.equal('billing_job#fence');
  });

  it('refuses names that end with the reserved suffix, so a lock cannot be a counter', () => {
    const err = expectConfigError(() => memcachedBackend.keyFor(`job${FENCE_SUFFIX}`, 'ns'));
    expect(err.message).to.include('reserved');
    expectConfigError(() => memcachedBackend.keyFor(`job${FENCE_SUFFIX}`, null));
  });

  it('refuses spaces in the name or the namespace and says why', () => {
    expect(expectConfigError(() => memcachedBackend.keyFor('a b', null)).message).to.include('cannot contain spaces');
    expect(expectConfigError(() => memcachedBackend.keyFor('ab', 'my ns')).message).to.include('namespace');
  });

  it('refuses control characters', () => {
    expectConfigError(() => memcachedBackend.keyFor('a\nb', null));
    expectConfigError(() => memcachedBackend.keyFor('a\tb', null));
    expectConfigError(() => memcachedBackend.keyFor('ab', 'n\u0000s'));
  });

  it('counts the 250-byte limit in UTF-8 bytes, including the namespace and the counter suffix', () => {
    const budget = MAX_KEY_BYTES - Buffer.byteLength(FENCE_SUFFIX);
    // 'é' is 2 bytes: 100 characters are within the 200-character name limit but 200 bytes.
    const name = 'é'.repeat(100);
    const fits = 'n'.repeat(budget - 200 - 1);
    expect(Buffer.byteLength(memcachedBackend.keyFor(name, fits))).to.equal(budget);
    const err = expectConfigError(() => memcachedBackend.keyFor(name, `${fits}x`));
    expect(err.message).to.include('250 bytes');
  });

  it('accepts non-ASCII names within the limit', () => {
    expect(memcachedBackend.keyFor('zählung', 'ns')).to.equal('ns_zählung');
  });
});

describe('memcached client detection', () => {
  it('recognises a memjs client by its shape without loading memjs', () => {
    const fake = { perform() {}, incrSeq() {}, add() {}, servers: [] };
    expect(memcachedBackend.isClient?.(fake)).to.equal(true);
    expect(memcachedBackend.isClient?.({ get() {} })).to.equal(false);
    expect(memcachedBackend.isClient?.(null)).to.equal(false);
  });

  it('loads neither memjs nor the driver from the root entry, even to build keys', function () {
    this.timeout(60_000);
    const loaded = modulesLoadedBy(
        "const { backends, MemcachedLock } = require('./lib');" +
        "new MemcachedLock('a', { namespace: 'b' });" +
        "backends.MEMCACHED.keyFor('a', 'b');",
      /node_modules[\\/]memjs[\\/]|backends[\\/]memcached[\\/](driver|send|default-client)/,
    );
    expect(loaded).to.deep.equal([]);
  });

  it('refuses a client that is not a memjs client', () => {
    expectConfigError(() => memcachedBackend.driverFor({ set() {} } as never));
  });
});
