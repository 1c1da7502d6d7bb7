/**
 * The backend conformance suite: every semantic case of the core, run against any backend.
 * A backend's spec file calls `describeConformance(title, setup, teardown)`.
 */
import { expect } from 'chai';
import { Observable, defer, lastValueFrom, of, throwError, delay, concat, NEVER, tap, filter, type Subscription } from 'rxjs';
import { Lock, LockConfigurationError, LockLostError, LockNotOwnedError, LockTimeoutError, isLockLostError, lockEvents$, withLock, type LockEvent, type LockHandle, type LockOptions } from '../../lib';
import type { ConformanceFixture } from './fixture';
import { eventually, sleep, nextValue, settle } from '../support/async';

export function describeConformance(
  title: string,
  setup: () => Promise<ConformanceFixture>,
  teardown?: () => Promise<void>,
): void {
  describe(`conformance: ${title}`, function () {
    this.timeout(30_000);
    let fx: ConformanceFixture;
    let seq = 0;
    const open: Subscription[] = [];
    const locks: Lock[] = [];

    before(async function () {
      fx = await setup();
    });
    after(async function () {
      await teardown?.();
    });
    afterEach(async function () {
      for (const s of open.splice(0)) s.unsubscribe();
      await Promise.all(locks.splice(0).map((l) => l[Symbol.asyncDispose]().catch(() => undefined)));
      await settle();
    });

    /** A fresh lock name per test, so tests never see each other's keys. */
    const uniqueName = () => `${fx.prefix}c${++seq}`;
    const newLock = (name: string, opts: LockOptions = {}) => {
      const l = new Lock(name, { backend: fx.backend, client: fx.client, ...opts });
      locks.push(l);
      return l;
    };
    const track = (s: Subscription) => (open.push(s), s);
    /** Subscribes to acquire$() and resolves with the first handle. */
    const holdVia$ = async (lock: Lock, opts?: { timeout?: number }) => {
      const events: { handle?: LockHandle; error?: unknown; completed?: boolean } = {};
      const got = new Promise<LockHandle>((resolve, reject) => {
        track(
          lock.acquire$(opts).subscribe({
            next: (h) => {
              events.handle = h;
              resolve(h);
            },
            error: (e: unknown) => {
              events.error = e;
              reject(e);
            },
            complete: () => (events.completed = true),
          }),
        );
      });
      got.catch(() => undefined);
      return { handle: await got, events };
    };
    const serverExpired = (expire: number) => sleep(expire + fx.serverExpirySlack + 50);

    describe('acquire$()', function () {
      it('is cold: nothing is acquired before subscription', async function () {
        const name = uniqueName();
        const lock = newLock(name);
        const obs = lock.acquire$();
        await sleep(50);
        expect(await lock.locked()).to.equal(false);
        const { handle } = await holdVia$(lock);
        expect(handle.state).to.equal('held');
        expect(await lock.locked()).to.equal(true);
        expect(obs).to.be.instanceOf(Observable);
      });

      it('emits one handle describing the grant', async function () {
        const name = uniqueName();
        const lock = newLock(name, { expire: 10_000 });
        const { handle } = await holdVia$(lock);
        expect(handle.name).to.equal(name);
        expect(handle.key).to.equal(lock.key);
        expect(handle.token).to.match(/^[0-9a-f]{32}$/);
        expect(handle.signal.aborted).to.equal(false);
        expect(handle.expiresAt).to.be.a('number');
        expect(handle.expiresAt! - performance.now()).to.be.within(8_000, 10_000);
        if (fx.fencing) expect(['number', 'bigint']).to.include(typeof handle.fencingToken);
      });

      it('gives every subscription its own owner token', async function () {
        const lock = newLock(uniqueName());
        const a = await holdVia$(lock);
        const tokenA = a.handle.token;
        await a.handle.release();
        const b = await holdVia$(lock);
        expect(b.handle.token).to.not.equal(tokenA);
      });

      it('keeps the lock while subscribed and releases it on unsubscribe', async function () {
        const name = uniqueName();
        const lock = newLock(name);
        const other = newLock(name);
        const sub = lock.acquire$().subscribe();
        await eventually(async () => expect(await lock.locked()).to.equal(true));
        await sleep(100);
        expect(await other.acquire(false)).to.equal(false);
        sub.unsubscribe();
        await eventually(async () => expect(await lock.locked()).to.equal(false));
        expect(await other.acquire(false)).to.equal(true);
      });

      it('completes after handle.release() and frees the lock', async function () {
        const lock = newLock(uniqueName());
        const { handle, events } = await holdVia$(lock);
        await handle.release();
        expect(events.completed).to.equal(true);
        expect(handle.state).to.equal('released');
        expect(handle.signal.aborted).to.equal(true);
        expect(await lock.locked()).to.equal(false);
      });

      it('makes handle.release() idempotent', async function () {
        const lock = newLock(uniqueName());
        const { handle } = await holdVia$(lock);
        await Promise.all([handle.release(), handle.release()]);
        await handle.release();
        expect(await lock.locked()).to.equal(false);
      });

      it('excludes: only one of many concurrent contenders holds the lock at a time', async function () {
        const name = uniqueName();
        let inside = 0;
        let maxInside = 0;
        let done = 0;
        const worker = async () => {
          const lock = newLock(name, { timeout: 20_000, retryInterval: 20 });
          for (let i = 0; i < 3; i++) {
            await lock.acquire();
            inside++;
            maxInside = Math.max(maxInside, inside);
            await sleep(5);
            inside--;
            done++;
            await lock.release();
          }
        };
        await Promise.all([worker(), worker(), worker(), worker()]);
        expect(done).to.equal(12);
        expect(maxInside).to.equal(1);
      });

      it('leaks nothing when subscribers leave while a request is in flight', async function () {
        const name = uniqueName();
        const lock = newLock(name);
        for (let i = 0; i < 25; i++) {
          const sub = lock.acquire$().subscribe({ error: () => undefined });
          await sleep(i % 5); // sometimes before the answer, sometimes after
          sub.unsubscribe();
        }
        await eventually(async () => expect(await lock.locked()).to.equal(false));
        expect(await newLock(name).acquire(false)).to.equal(true);
      });

      it('errors with LockLostError and aborts the signal when the expiry passes without renewal', async function () {
        const lock = newLock(uniqueName(), { expire: 300 });
        const started = performance.now();
        const { handle, events } = await holdVia$(lock);
        await eventually(() => expect(events.error).to.be.instanceOf(LockLostError), 2_000);
        expect(performance.now() - started).to.be.at.least(280);
        expect(handle.signal.aborted).to.equal(true);
        expect(isLockLostError(handle.signal.reason)).to.equal(true);
        expect(handle.state).to.equal('lost');
        await expectRejection(handle.release(), LockLostError);
      });

      it('errors with LockLostError when a renewal finds the lock taken by another owner', async function () {
        const name = uniqueName();
        const lock = newLock(name, { expire: 5_000 });
        const { handle, events } = await holdVia$(lock);
        await fx.forceDelete(lock.key);
        expect(await newLock(name).acquire(false)).to.equal(true);
        expect(await handle.renew()).to.equal(false);
        expect(events.error).to.be.instanceOf(LockLostError);
        expect(handle.signal.aborted).to.equal(true);
      });

      it('renews automatically with autoRenew and keeps the lock past its expiry', async function () {
        const name = uniqueName();
        // Generous against a loaded CI machine: memcached renews in two round trips.
        const lock = newLock(name, { expire: 1_200, autoRenew: true });
        const { handle, events } = await holdVia$(lock);
        await sleep(2_700); // more than twice the expiry
        expect(events.error, String(events.error)).to.equal(undefined);
        expect(handle.state).to.equal('held');
        expect(await newLock(name).acquire(false)).to.equal(false);
        await handle.release();
        expect(await lock.locked()).to.equal(false);
      });

      it('detects with autoRenew that the lock was taken, within one renewal period', async function () {
        const name = uniqueName();
        const lock = newLock(name, { expire: 900, autoRenew: true });
        const { events } = await holdVia$(lock);
        await fx.forceDelete(lock.key);
        const thief = newLock(name, { expire: 10_000 });
        expect(await thief.acquire(false)).to.equal(true);
        await eventually(() => expect(events.error).to.be.instanceOf(LockLostError), 1_500);
        expect(await thief.locked()).to.equal(true);
        await thief.release(); // the loser's cleanup never deleted the thief's lock
      });

      it('never expires with expire: null', async function () {
        const name = uniqueName();
        const lock = newLock(name, { expire: null });
        const { handle, events } = await holdVia$(lock);
        expect(handle.expiresAt).to.equal(null);
        await sleep(1_200);
        expect(events.error, String(events.error)).to.equal(undefined);
        expect(await newLock(name).acquire(false)).to.equal(false);
        await handle.release();
        expect(await lock.locked()).to.equal(false);
      });

      it('gives strictly increasing fencing tokens to successive grants', async function () {
        if (!fx.fencing) this.skip();
        const name = uniqueName();
        const seen: Array<number | bigint> = [];
        for (let i = 0; i < 5; i++) {
          const lock = newLock(name);
          await lock.acquire();
          seen.push(lock.fencingToken!);
          await lock.release();
        }
        for (let i = 1; i < seen.length; i++) expect(seen[i]! > seen[i - 1]!).to.equal(true, `fence ${seen.join(',')}`);
      });
    });

    describe('waiting and timeouts', function () {
      it('waits for a busy lock and gets it once released', async function () {
        const name = uniqueName();
        const holder = newLock(name);
        await holder.acquire();
        const waiter = newLock(name, { timeout: 5_000, retryInterval: 50 });
        const got = waiter.acquire();
        await sleep(150);
        await holder.release();
        expect(await got).to.equal(true);
      });

      it('wakes a waiter on release well before its retry interval (backends with notifications)', async function () {
        if (!fx.releaseNotification) this.skip();
        const name = uniqueName();
        const holder = newLock(name);
        await holder.acquire();
        const waiter = newLock(name, { timeout: 10_000, retryInterval: 3_000 });
        const got = waiter.acquire();
        await sleep(300); // the waiter is now armed and sleeping
        const released = performance.now();
        await holder.release();
        await got;
        expect(performance.now() - released).to.be.below(1_000);
      });

      it('rejects a blocking acquire with LockTimeoutError after the wall-clock timeout', async function () {
        const name = uniqueName();
        await newLock(name).acquire();
        const waiter = newLock(name, { timeout: 400, retryInterval: 150 });
        const started = performance.now();
        await expectRejection(waiter.acquire(), LockTimeoutError);
        const took = performance.now() - started;
        expect(took).to.be.at.least(390);
        expect(took).to.be.below(400 + 1_500);
      });

      it('makes exactly one attempt with timeout: 0', async function () {
        const name = uniqueName();
        await newLock(name).acquire();
        const started = performance.now();
        await expectRejection(newLock(name, { timeout: 0, retryInterval: 5_000 }).acquire(), LockTimeoutError);
        expect(performance.now() - started).to.be.below(1_000);
      });

      it('waits past the default timeout with timeout: Infinity', async function () {
        const name = uniqueName();
        const holder = newLock(name);
        await holder.acquire();
        const waiter = newLock(name, { timeout: Infinity, retryInterval: 30 });
        const got = waiter.acquire();
        await sleep(400);
        await holder.release();
        expect(await got).to.equal(true);
      });

      it('honours the timeout with retryInterval: 0 without starving the event loop', async function () {
        const name = uniqueName();
        await newLock(name).acquire();
        let ticks = 0;
        const ticker = setInterval(() => ticks++, 10);
        try {
          await expectRejection(newLock(name, { timeout: 300, retryInterval: 0 }).acquire(), LockTimeoutError);
        } finally {
          clearInterval(ticker);
        }
        expect(ticks).to.be.at.least(10);
      });

      it('removes its waiting claim when it gives up, so it blocks nobody', async function () {
        const name = uniqueName();
        const holder = newLock(name);
        await holder.acquire();
        await expectRejection(newLock(name, { timeout: 200, retryInterval: 50 }).acquire(), LockTimeoutError);
        await holder.release();
        expect(await holder.locked()).to.equal(false);
        expect(await newLock(name).acquire(false)).to.equal(true);
      });
    });

    describe('events', function () {
      it('emits acquiring, acquired and released, with the backend and a redacted owner, on the lock and library-wide', async function () {
        const lock = newLock(uniqueName());
        const own: LockEvent[] = [];
        const all: LockEvent[] = [];
        track(lock.events$.subscribe((e) => own.push(e)));
        track(lockEvents$.pipe(filter((e) => e.key === lock.key)).subscribe((e) => all.push(e)));
        const handle = await lock.hold();
        const fencingToken = handle.fencingToken;
        await handle.release();
        expect(own.map((e) => e.type)).to.deep.equal(['acquiring', 'acquired', 'released']);
        expect(all).to.deep.equal(own);
        for (const e of own) {
          expect(e).to.include({ name: lock.name, key: lock.key, backend: fx.backend.name, owner: `${handle.token.slice(0, 6)}…` });
          expect(JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).to.not.contain(handle.token);
        }
        expect(own[1]).to.include({ attempts: 1, fencingToken });
      });
    });

    describe('Promise API', function () {
      it('acquire(false) resolves false when held elsewhere and true when free', async function () {
        const name = uniqueName();
        const a = newLock(name);
        const b = newLock(name);
        expect(await a.acquire(false)).to.equal(true);
        expect(await b.acquire(false)).to.equal(false);
        expect(await b.acquire({ blocking: false })).to.equal(false);
        await a.release();
        expect(await b.acquire(false)).to.equal(true);
      });

      it('is not re-entrant', async function () {
        const lock = newLock(uniqueName(), { timeout: 200, retryInterval: 50 });
        expect(await lock.acquire()).to.equal(true);
        expect(await lock.acquire(false)).to.equal(false);
        await expectRejection(lock.acquire(), LockTimeoutError);
      });

      it('locked() tells whether anyone holds the lock', async function () {
        const name = uniqueName();
        const a = newLock(name);
        const observer = newLock(name);
        expect(await observer.locked()).to.equal(false);
        await a.acquire();
        expect(await observer.locked()).to.equal(true);
        await a.release();
        expect(await observer.locked()).to.equal(false);
      });

      it('release() rejects with LockNotOwnedError when never acquired or already released', async function () {
        const lock = newLock(uniqueName());
        await expectRejection(lock.release(), LockNotOwnedError);
        await lock.acquire();
        await lock.release();
        await expectRejection(lock.release(), LockNotOwnedError);
      });

      it('release() after expiry rejects with LockLostError and leaves the new owner alone', async function () {
        const name = uniqueName();
        const stale = newLock(name, { expire: 300 });
        await stale.acquire();
        await serverExpired(300);
        const next = newLock(name, { expire: 10_000 });
        expect(await next.acquire(false)).to.equal(true);
        await expectRejection(stale.release(), LockLostError);
        expect(await next.locked()).to.equal(true);
        expect(await stale.renew().catch((e: unknown) => e)).to.be.instanceOf(LockNotOwnedError);
        await next.release();
      });

      it('renew() extends the lock by expire', async function () {
        const name = uniqueName();
        const lock = newLock(name, { expire: 700 });
        await lock.acquire();
        await sleep(450);
        expect(await lock.renew()).to.equal(true);
        await sleep(450); // 900 ms after acquire: held only thanks to the renewal
        expect(await newLock(name).acquire(false)).to.equal(false);
        await lock.release();
      });

      it('renew() resolves false once the lock was taken, and rejects when never acquired', async function () {
        const name = uniqueName();
        const lock = newLock(name);
        await expectRejection(lock.renew(), LockNotOwnedError);
        await lock.acquire();
        await fx.forceDelete(lock.key);
        expect(await newLock(name).acquire(false)).to.equal(true);
        expect(await lock.renew()).to.equal(false);
        await expectRejection(lock.release(), LockLostError);
      });

      it('exposes the grant fencing token on the lock', async function () {
        if (!fx.fencing) this.skip();
        const lock = newLock(uniqueName());
        expect(lock.fencingToken).to.equal(undefined);
        await lock.acquire();
        expect(lock.fencingToken).to.not.equal(undefined);
      });

      it('cancels a wait on signal abort, rejecting with the reason and leaving nothing held', async function () {
        const name = uniqueName();
        const holder = newLock(name);
        await holder.acquire();
        const ac = new AbortController();
        const waiter = newLock(name, { timeout: 10_000, retryInterval: 30 });
        const got = waiter.acquire({ signal: ac.signal });
        setTimeout(() => ac.abort(new Error('user gave up')), 150);
        const err = await got.then(() => undefined, (e: unknown) => e);
        expect((err as Error).message).to.equal('user gave up');
        await holder.release();
        await settle();
        expect(await holder.locked()).to.equal(false);
      });

      it('rejects at once for an already aborted signal', async function () {
        const ac = new AbortController();
        ac.abort(new Error('nope'));
        const lock = newLock(uniqueName());
        const err = await lock.acquire({ signal: ac.signal }).catch((e: unknown) => e);
        expect((err as Error).message).to.equal('nope');
        expect(await lock.locked()).to.equal(false);
      });

      it('hold() gives a handle that `await using` releases at the end of the block', async function () {
        const lock = newLock(uniqueName());
        {
          await using handle = await lock.hold();
          expect(handle.state).to.equal('held');
          expect(await lock.locked()).to.equal(true);
        }
        expect(await lock.locked()).to.equal(false);
      });

      it('a Lock is AsyncDisposable and releases what it holds', async function () {
        const name = uniqueName();
        {
          await using lock = new Lock(name, { backend: fx.backend, client: fx.client });
          await lock.acquire();
          expect(await lock.locked()).to.equal(true);
        }
        expect(await newLock(name).locked()).to.equal(false);
      });

      it('rejects invalid names and options before touching the backend', function () {
        expect(() => newLock('')).to.throw(LockConfigurationError);
        expect(() => newLock('x'.repeat(1000))).to.throw(LockConfigurationError);
        expect(() => newLock('a\nb')).to.throw(LockConfigurationError);
        expect(() => newLock('ok', { expire: -1 })).to.throw(LockConfigurationError, /expire/);
        expect(() => newLock('ok', { timeout: NaN })).to.throw(LockConfigurationError, /timeout/);
      });
    });

    describe('run()', function () {
      it('runs fn while holding the lock, resolves with its value and releases', async function () {
        const name = uniqueName();
        const lock = newLock(name);
        const seen = await lock.run(async (handle) => ({ state: handle.state, othersGetIt: await newLock(name).acquire(false) }));
        expect(seen).to.deep.equal({ state: 'held', othersGetIt: false });
        expect(await lock.locked()).to.equal(false);
      });

      it("releases and rethrows fn's error", async function () {
        const lock = newLock(uniqueName());
        const boom = new Error('boom');
        const err = await lock
          .run(async () => {
            throw boom;
          })
          .catch((e: unknown) => e);
        expect(err).to.equal(boom);
        expect(await lock.locked()).to.equal(false);
      });

      it('never calls fn when the lock is busy', async function () {
        const name = uniqueName();
        await newLock(name).acquire();
        let called = false;
        await expectRejection(
          newLock(name).run(() => (called = true), { blocking: false }),
          LockTimeoutError,
        );
        expect(called).to.equal(false);
      });

      it('aborts the signal and rejects with LockLostError when the lock expires while fn runs, even if fn resolves', async function () {
        const lock = newLock(uniqueName(), { expire: 300 });
        let reason: unknown;
        const err = await expectRejection(
          lock.run(
            (handle) =>
              new Promise<string>((resolve) =>
                handle.signal.addEventListener('abort', () => {
                  reason = handle.signal.reason;
                  resolve('finished unprotected');
                }),
              ),
          ),
          LockLostError,
        );
        expect(err).to.equal(reason);
      });
    });

    describe('withLock()', function () {
      it('runs the work only while holding the lock and releases when it completes', async function () {
        const lock = newLock(uniqueName());
        const work$ = defer(async () => lock.locked()).pipe(delay(20));
        const heldDuringWork = await lastValueFrom(work$.pipe(withLock(lock)));
        expect(heldDuringWork).to.equal(true);
        expect(await lock.locked()).to.equal(false);
      });

      it('mirrors every value of the work', async function () {
        const lock = newLock(uniqueName());
        const values: number[] = [];
        await lastValueFrom(of(1, 2, 3).pipe(withLock(lock), tap((v) => values.push(v))));
        expect(values).to.deep.equal([1, 2, 3]);
      });

      it('releases and rethrows when the work errors', async function () {
        const lock = newLock(uniqueName());
        const boom = new Error('boom');
        const err = await lastValueFrom(concat(of(1), throwError(() => boom)).pipe(withLock(lock))).catch((e: unknown) => e);
        expect(err).to.equal(boom);
        expect(await lock.locked()).to.equal(false);
      });

      it('releases when unsubscribed', async function () {
        const lock = newLock(uniqueName());
        const sub = NEVER.pipe(withLock(lock)).subscribe();
        await eventually(async () => expect(await lock.locked()).to.equal(true));
        sub.unsubscribe();
        await eventually(async () => expect(await lock.locked()).to.equal(false));
      });

      it('cancels the work with LockLostError when the lock is lost', async function () {
        const lock = newLock(uniqueName(), { expire: 300 });
        let cancelled = false;
        const work$ = new Observable<never>(() => () => (cancelled = true));
        const err = await lastValueFrom(work$.pipe(withLock(lock))).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(LockLostError);
        expect(cancelled).to.equal(true);
      });

      it('with a factory, starts the work only once the lock is held, and releases after its Promise', async function () {
        const name = uniqueName();
        const holder = newLock(name);
        await holder.acquire();
        const calls: Array<{ state: string; othersGetIt: boolean }> = [];
        const waiter = newLock(name, { timeout: 10_000, retryInterval: 30 });
        const result = lastValueFrom(
          withLock(waiter, async (handle) => {
            calls.push({ state: handle.state, othersGetIt: await newLock(name).acquire(false) });
            return handle.name;
          }),
        );
        await sleep(100); // the waiter is now waiting for the holder
        expect(calls).to.deep.equal([]);
        await holder.release();
        expect(await result).to.equal(name);
        expect(calls).to.deep.equal([{ state: 'held', othersGetIt: false }]);
        expect(await waiter.locked()).to.equal(false);
      });

      it('fails with LockTimeoutError without running the work when the lock stays busy', async function () {
        const name = uniqueName();
        await newLock(name).acquire();
        let ran = false;
        const work$ = defer(() => ((ran = true), of(1)));
        const err = await lastValueFrom(work$.pipe(withLock(newLock(name, { timeout: 200, retryInterval: 50 })))).catch(
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(LockTimeoutError);
        expect(ran).to.equal(false);
      });
    });

    it('reuses nothing across namespaces: the same name in two namespaces is two locks', async function () {
      const name = uniqueName();
      const a = newLock(name, { namespace: 'nsa' });
      const b = newLock(name, { namespace: 'nsb' });
      expect(a.key).to.not.equal(b.key);
      expect(await a.acquire(false)).to.equal(true);
      expect(await b.acquire(false)).to.equal(true);
    });

    it('hands the next value of acquire$() to nextValue helpers without releasing (sanity of the harness)', async function () {
      const lock = newLock(uniqueName());
      const { value, subscription } = await nextValue(lock.acquire$());
      track(subscription);
      expect(value.state).to.equal('held');
    });
  });
}

/** Asserts that `promise` rejects with an instance of `type`. */
export async function expectRejection(promise: Promise<unknown>, type: abstract new (...args: any[]) => Error): Promise<Error> {
  const outcome = await promise.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  if (outcome.ok) throw new Error(`expected a ${type.name} rejection, got ${String(outcome.v)}`);
  expect(outcome.e).to.be.instanceOf(type);
  return outcome.e as Error;
}
