import { expect } from 'chai';
import { Lock, LockConfigurationError, LockError, MemoryLock, MemoryStore, backends, configure, type BackendDescriptor } from '../../lib';
import { type LockDriver } from '../../lib/entries/backend';
import { resetConfiguration } from '../../lib/facade/configuration';
import { currentConfiguration } from '../../lib/facade/configuration';

describe('configure() and the generic Lock', function () {
  afterEach(() => resetConfiguration());

  it('gives a clear LockConfigurationError when no backend is configured', async function () {
    const lock = new Lock('unconfigured');
    const err = await lock.acquire().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LockError);
    expect(err).to.be.instanceOf(LockConfigurationError);
    expect((err as LockError).code).to.equal('ELOCKCONFIG');
    expect((err as Error).message).to.match(/no backend is configured.*configure\(/);
  });

  it('uses the configured backend, client and defaults', async function () {
    const store = new MemoryStore();
    configure({ backend: backends.MEMORY, client: store, namespace: 'app', expire: 5_000 });
    const lock = new Lock('job');
    expect(await lock.acquire()).to.equal(true);
    expect(lock.key).to.equal('app_job');
    expect(store.has('app_job')).to.equal(true);
    await lock.release();
  });

  it('infers the backend from a client alone', function () {
    configure({ client: new MemoryStore() });
    expect(currentConfiguration().backend).to.equal(backends.MEMORY);
  });

  it('rejects a client that does not belong to the backend', function () {
    expect(() => configure({ backend: backends.MEMORY, client: { not: 'a store' } })).to.throw(
      LockConfigurationError,
      /not a memory client/,
    );
    expect(() => configure({ client: { mystery: true } })).to.throw(LockConfigurationError, /could not tell the backend/);
  });

  it('keeps the documented defaults until configured', function () {
    expect(currentConfiguration().defaults).to.deep.equal({
      namespace: null,
      expire: 60_000,
      timeout: 10_000,
      retryInterval: 100,
      autoRenew: false,
    });
  });

  it('lets per-lock options override global ones', async function () {
    const store = new MemoryStore();
    configure({ backend: backends.MEMORY, client: store, namespace: 'global', expire: 5_000 });
    const lock = new Lock('job', { namespace: 'mine', expire: null });
    const handle = await lock.hold();
    expect(handle.key).to.equal('mine_job');
    expect(handle.expiresAt).to.equal(null);
    await handle.release();
  });

  it('makes a registered custom backend work with the generic Lock and the core', async function () {
    const owners = new Map<string, string>();
    const driver: LockDriver = {
      backend: 'map',
      tryAcquire: async (t) => (owners.has(t.key) ? { acquired: false } : (owners.set(t.key, t.token), { acquired: true })),
      release: async (t) => owners.get(t.key) === t.token && owners.delete(t.key),
      renew: async (t) => owners.get(t.key) === t.token,
      isLocked: async (key) => owners.has(key),
    };
    const MAP: BackendDescriptor<undefined> = backends.register({
      name: 'map-test',
      keyFor: (name, ns) => `${ns ?? 'none'}:${name}`,
      driverFor: () => driver,
    });
    configure({ backend: MAP, timeout: 300, retryInterval: 20 });
    const a = new Lock('x');
    const b = new Lock('x');
    expect(await a.acquire()).to.equal(true);
    expect(owners.get('none:x')).to.equal((a as any).current.handle.token);
    expect(await b.acquire(false)).to.equal(false);
    const waiting = b.acquire();
    setTimeout(() => void a.release(), 50);
    expect(await waiting).to.equal(true);
    expect(a.fencingToken).to.equal(undefined);
    await b.release();
    expect(owners.size).to.equal(0);
    expect(() => backends.register({ ...MAP })).to.throw(LockConfigurationError, /already registered/);
    expect(() => backends.register({ name: 'broken' } as any)).to.throw(LockConfigurationError);
  });

  it('validates names against the backend when the lock is made', function () {
    expect(() => new MemoryLock('')).to.throw(LockConfigurationError);
    expect(() => new MemoryLock('fine', { namespace: 'x\ty' })).to.throw(LockConfigurationError, /control characters/);
  });
});
