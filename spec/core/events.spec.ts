import { expect } from 'chai';
import * as sinon from 'sinon';
import type { Subscription } from 'rxjs';
import {
  Lock,
  LockTimeoutError,
  MemoryLock,
  MemoryStore,
  backends,
  isLockBackendError,
  isLockLostError,
  lockEvents$,
  type LockEvent,
  type LockHandle,
} from '../../lib';
import type { LockDriver } from '../../lib/entries/backend';
import { MemoryDriver } from '../../lib/backends/memory/memory-driver';

type Of<T extends LockEvent['type']> = Extract<LockEvent, { type: T }>;

/** Collects the events of `lock` and of the whole library while the test runs. */
function record(lock: Lock): { own: LockEvent[]; all: LockEvent[]; stop(): void } {
  const own: LockEvent[] = [];
  const all: LockEvent[] = [];
  const subs: Subscription[] = [lock.events$.subscribe((e) => own.push(e)), lockEvents$.subscribe((e) => all.push(e))];
  return { own, all, stop: () => subs.forEach((s) => s.unsubscribe()) };
}

const types = (events: LockEvent[]) => events.map((e) => e.type);
const only = <T extends LockEvent['type']>(events: LockEvent[], type: T) => events.filter((e): e is Of<T> => e.type === type);
const json = (e: LockEvent) => JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/** No event may carry the owner token in full, anywhere (a token can release the lock). */
function expectNoToken(events: LockEvent[], token: string): void {
  expect(token).to.match(/^[0-9a-f]{32}$/);
  for (const e of events) {
    expect(json(e)).to.not.contain(token);
    expect(e.owner).to.equal(`${token.slice(0, 6)}…`);
  }
}

let registered = 0;
/** A lock over the memory backend with some of its driver's calls replaced (to make them fail). */
function lockOver(store: MemoryStore, overrides: Partial<LockDriver>, options: ConstructorParameters<typeof Lock>[1] = {}): Lock {
  const memory = new MemoryDriver(store);
  const driver: LockDriver = {
    backend: 'faulty',
    tryAcquire: (t) => memory.tryAcquire(t),
    release: (t) => memory.release(t),
    renew: (t) => memory.renew(t),
    isLocked: (key) => memory.isLocked(key),
    ...overrides,
  };
  const backend = backends.register({ name: `faulty-events-${++registered}`, keyFor: (n) => n, driverFor: () => driver });
  return new Lock('faulty', { ...options, backend });
}

describe('lock events', function () {
  let store: MemoryStore;
  beforeEach(() => (store = new MemoryStore()));

  describe('a plain acquire and release', function () {
    it('emits acquiring, acquired, released with the fields of each, on the lock and library-wide', async function () {
      const lock = new MemoryLock('plain', { client: store, timeout: 5_000 });
      const seen = record(lock);
      const before = Date.now();
      const handle = await lock.hold();
      const fencingToken = handle.fencingToken;
      await handle.release();
      seen.stop();

      expect(types(seen.own)).to.deep.equal(['acquiring', 'acquired', 'released']);
      expect(seen.all).to.deep.equal(seen.own);
      for (const e of seen.own) {
        expect(e).to.include({ name: 'plain', backend: 'memory', key: lock.key });
        expect(e.at).to.be.within(before, Date.now());
      }
      const [acquiring, acquired, released] = seen.own as [Of<'acquiring'>, Of<'acquired'>, Of<'released'>];
      expect(acquiring.timeout).to.equal(5_000);
      expect(acquired.attempts).to.equal(1);
      expect(acquired.waitMs).to.be.at.least(0);
      expect(acquired.fencingToken).to.equal(fencingToken);
      expect(released.heldMs).to.be.at.least(0);
      expectNoToken(seen.own, handle.token);
    });

    it('emits for acquire() / release() too, one owner per acquisition', async function () {
      const lock = new MemoryLock('promise-style', { client: store });
      const seen = record(lock);
      await lock.acquire();
      await lock.release();
      await lock.acquire();
      await lock.release();
      seen.stop();
      expect(types(seen.own)).to.deep.equal(['acquiring', 'acquired', 'released', 'acquiring', 'acquired', 'released']);
      expect(seen.own[0]!.owner).to.equal(seen.own[2]!.owner);
      expect(seen.own[3]!.owner).to.not.equal(seen.own[0]!.owner);
    });

    it('keeps the streams of two locks apart', async function () {
      const a = new MemoryLock('a', { client: store });
      const b = new MemoryLock('b', { client: store });
      const seenA = record(a);
      const seenB = record(b);
      await a.run(() => b.run(() => undefined));
      seenA.stop();
      seenB.stop();
      expect(seenA.own.map((e) => e.name)).to.deep.equal(['a', 'a', 'a']);
      expect(seenB.own.map((e) => e.name)).to.deep.equal(['b', 'b', 'b']);
      expect(seenA.all).to.have.length(6);
    });

    it('is hot: a subscriber that comes later sees nothing of before', async function () {
      const lock = new MemoryLock('late', { client: store });
      const handle = await lock.hold();
      const seen = record(lock);
      await handle.release();
      seen.stop();
      expect(types(seen.own)).to.deep.equal(['released']);
    });
  });

  describe('with fake timers', function () {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => (clock = sinon.useFakeTimers()));
    afterEach(() => clock.restore());

    it('emits waiting every second with growing elapsed time and attempts, then acquired with the wait', async function () {
      const holder = new MemoryLock('contended', { client: store });
      const lock = new MemoryLock('contended', { client: store, retryInterval: 400 });
      await holder.acquire();
      const seen = record(lock);
      const granted = lock.hold({ timeout: 10_000 });
      await clock.tickAsync(3_500);
      await holder.release();
      await clock.tickAsync(1_000);
      const handle = await granted;
      seen.stop();

      expect(types(seen.own)).to.deep.equal(['acquiring', 'waiting', 'waiting', 'waiting', 'acquired']);
      const waiting = only(seen.own, 'waiting');
      expect(waiting.map((e) => e.elapsedMs)).to.deep.equal([1_000, 2_000, 3_000]);
      // Memory waiters wake on release notifications, so attempts grow with retries, not with time.
      for (let i = 1; i < waiting.length; i++) expect(waiting[i]!.attempts).to.be.at.least(waiting[i - 1]!.attempts);
      expect(waiting[0]!.attempts).to.be.at.least(1);
      const acquired = only(seen.own, 'acquired')[0]!;
      expect(acquired.waitMs).to.be.within(3_500, 4_500);
      expect(acquired.attempts).to.be.above(waiting[2]!.attempts);
      expectNoToken(seen.own, handle.token);
      await handle.release();
    });

    it('emits timed-out when the timeout passes, and for a single attempt on a busy lock', async function () {
      const holder = new MemoryLock('busy', { client: store });
      const lock = new MemoryLock('busy', { client: store, retryInterval: 400 });
      await holder.acquire();
      const seen = record(lock);
      const outcome = lock.acquire({ timeout: 2_500 }).catch((e: unknown) => e);
      await clock.tickAsync(3_000);
      expect(await outcome).to.be.instanceOf(LockTimeoutError);
      expect(await lock.acquire(false)).to.equal(false);
      seen.stop();

      expect(types(seen.own)).to.deep.equal(['acquiring', 'waiting', 'waiting', 'timed-out', 'acquiring', 'timed-out']);
      const [first, second] = only(seen.own, 'timed-out');
      expect(first).to.include({ timeout: 2_500, waitMs: 2_500 });
      expect(first!.attempts).to.be.at.least(2);
      expect(second).to.include({ timeout: 0, attempts: 1 });
      await holder.release();
    });

    it('emits renewed for each automatic renewal', async function () {
      const lock = new MemoryLock('renewed', { client: store, expire: 3_000, autoRenew: true });
      const seen = record(lock);
      const handle = await lock.hold();
      await clock.tickAsync(3_500);
      await handle.release();
      seen.stop();

      const renewed = only(seen.own, 'renewed');
      expect(renewed.length).to.be.at.least(2);
      for (const e of renewed) expect(e.validForMs).to.be.within(1, 3_000);
      expect(types(seen.own)).to.deep.equal(['acquiring', 'acquired', ...renewed.map(() => 'renewed'), 'released']);
      expectNoToken(seen.own, handle.token);
    });

    it('emits renew-failed when the backend cannot renew, then lost at the deadline', async function () {
      const lock = lockOver(store, { renew: () => Promise.reject(new Error('connection refused')) }, { expire: 3_000, autoRenew: true });
      const seen = record(lock);
      const handle = await lock.hold();
      await clock.tickAsync(3_500);
      seen.stop();

      const failed = only(seen.own, 'renew-failed');
      expect(failed.length).to.be.at.least(2);
      for (const e of failed) {
        expect(isLockBackendError(e.error), String(e.error)).to.equal(true);
        expect(e.error.message).to.contain('connection refused');
        expect(e.retryInMs).to.equal(300);
      }
      const lost = only(seen.own, 'lost');
      expect(lost).to.have.length(1);
      expect(lost[0]!.beforeDeadlineMs).to.equal(0);
      expect(lost[0]!.reason).to.match(/expiry \(3000 ms\) passed/);
      expect(isLockLostError(lost[0]!.error)).to.equal(true);
      expect(seen.own.at(-1)!.type).to.equal('lost');
      expectNoToken(seen.own, handle.token);
      await handle.release().catch(() => undefined);
    });
  });

  it('emits lost with the time left before the deadline when the entry is deleted by force', async function () {
    const lock = new MemoryLock('forced', { client: store, expire: 60_000 });
    const seen = record(lock);
    const handle = await lock.hold();
    store.forceDelete(lock.key);
    const err = await handle.release().catch((e: unknown) => e);
    seen.stop();

    expect(isLockLostError(err)).to.equal(true);
    expect(types(seen.own)).to.deep.equal(['acquiring', 'acquired', 'lost']);
    const lost = only(seen.own, 'lost')[0]!;
    expect(lost.beforeDeadlineMs).to.be.within(50_000, 60_000);
    expect(lost.reason).to.match(/reported it lost/);
    expect(lost.error).to.equal(err);
    expectNoToken(seen.own, handle.token);
  });

  it('emits lost with beforeDeadlineMs null for a lock without expiry', async function () {
    const lock = new MemoryLock('forever', { client: store, expire: null });
    const seen = record(lock);
    await lock.hold();
    store.forceDelete(lock.key);
    seen.stop();
    expect(only(seen.own, 'lost')[0]!.beforeDeadlineMs).to.equal(null);
  });

  it('emits backend-error when an acquire or a release fails on the backend', async function () {
    const acquireFails = lockOver(store, { tryAcquire: () => Promise.reject(new Error('acquire refused')) });
    const seen = record(acquireFails);
    await acquireFails.acquire().catch(() => undefined);
    seen.stop();
    expect(types(seen.own)).to.deep.equal(['acquiring', 'backend-error']);
    expect(only(seen.own, 'backend-error')[0]).to.include({ operation: 'acquire' });
    expect(only(seen.own, 'backend-error')[0]!.error.message).to.contain('acquire refused');

    const releaseFails = lockOver(store, { release: () => Promise.reject(new Error('release refused')) });
    const seen2 = record(releaseFails);
    const handle = await releaseFails.hold();
    await handle.release().catch(() => undefined);
    seen2.stop();
    expect(types(seen2.own)).to.deep.equal(['acquiring', 'acquired', 'backend-error']);
    const failure = only(seen2.own, 'backend-error')[0]!;
    expect(failure.operation).to.equal('release');
    expect(isLockBackendError(failure.error)).to.equal(true);
    expectNoToken(seen2.own, handle.token);
  });

  it('emits for acquire$() subscriptions, released on unsubscribe', async function () {
    const lock = new MemoryLock('reactive', { client: store });
    const seen = record(lock);
    const handle = await new Promise<LockHandle>((resolve) => {
      const sub = lock.acquire$().subscribe((h) => {
        resolve(h);
        setTimeout(() => sub.unsubscribe(), 1);
      });
    });
    while (seen.own.length < 3) await new Promise((r) => setTimeout(r, 1));
    seen.stop();
    expect(types(seen.own)).to.deep.equal(['acquiring', 'acquired', 'released']);
    expectNoToken(seen.own, handle.token);
  });
});
