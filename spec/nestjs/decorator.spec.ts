import 'reflect-metadata';
import { expect } from 'chai';
import { Injectable } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { Observable, finalize, firstValueFrom, interval, lastValueFrom, of, take, toArray } from 'rxjs';
import { LockConfigurationError, LockLostError, LockTimeoutError, MemoryStore } from '../../lib';
import { memoryBackend } from '../../lib/entries/memory';
import { CurrentLock, LockService, SherlockModule, WithLock } from '../../lib/entries/nestjs';
import { eventually, nextValue } from '../support/async';
import { gate, startContext } from './fixtures';

@Injectable()
class Orders {
  readonly log: string[] = [];
  readonly gates = new Map<string, { promise: Promise<void>; open: () => void }>();
  readonly entered = new Map<string, () => void>();
  lossReason: unknown;

  constructor(private readonly currentLock: CurrentLock) {}

  /** Records entry and exit, and stays inside until its gate opens (when one is set). */
  @WithLock((id: string) => `order-${id}`)
  async ship(id: string, tag: string): Promise<string> {
    this.log.push(`enter ${tag}`);
    this.entered.get(tag)?.();
    await this.gates.get(tag)?.promise;
    this.log.push(`exit ${tag}`);
    return `shipped ${id} (token ${String(this.currentLock.fencingToken)})`;
  }

  /** Waits for the loss through CurrentLock.signal, as real work would pass it on. */
  @WithLock('fragile')
  async untilLost(started: () => void): Promise<string> {
    const signal = this.currentLock.signal;
    started();
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    this.lossReason = signal.reason;
    return 'finished anyway';
  }

  @WithLock('nightly', { blocking: false })
  async nightly(): Promise<string> {
    this.log.push('nightly ran');
    return 'ran';
  }

  @WithLock('nightly', { blocking: false, onBusy: 'throw' })
  async nightlyOrFail(): Promise<string> {
    return 'ran';
  }

  @WithLock('stream')
  ticks$(): Observable<number> {
    return interval(5).pipe(finalize(() => this.log.push('stream finalized')));
  }

  @WithLock('stream')
  three$(): Observable<number> {
    return of(1, 2, 3);
  }

  @WithLock('stream', { blocking: false })
  threeOrNothing$(): Observable<number> {
    this.log.push('threeOrNothing called');
    return of(1, 2, 3);
  }

  @WithLock('undeclared')
  undeclared() {
    return of(1);
  }
}

describe('nestjs: @WithLock', function () {
  let store: MemoryStore;
  let moduleRef: TestingModule;
  let orders: Orders;
  let locks: LockService;

  beforeEach(async function () {
    store = new MemoryStore();
    moduleRef = await startContext({
      imports: [SherlockModule.forRoot({ backend: memoryBackend, client: store })],
      providers: [Orders],
    });
    orders = moduleRef.get(Orders);
    locks = moduleRef.get(LockService);
  });

  afterEach(async function () {
    await moduleRef.close();
  });

  describe('on a method returning a Promise', function () {
    it('holds the lock named by the key function while the method runs, and releases it after', async function () {
      const g = gate();
      orders.gates.set('a', g);
      const entered = new Promise<void>((resolve) => orders.entered.set('a', resolve));
      const call = orders.ship('42', 'a');
      await entered;
      expect(await locks.lock('order-42').locked()).to.equal(true);
      g.open();
      expect(await call).to.match(/^shipped 42 \(token \d+\)$/);
      expect(await locks.lock('order-42').locked()).to.equal(false);
    });

    it('never overlaps two concurrent calls of a shared provider on one key', async function () {
      const first = gate();
      orders.gates.set('a', first);
      const entered = new Promise<void>((resolve) => orders.entered.set('a', resolve));
      const a = orders.ship('7', 'a');
      const b = orders.ship('7', 'b');
      await entered;
      first.open();
      await Promise.all([a, b]);
      expect(orders.log).to.deep.equal(['enter a', 'exit a', 'enter b', 'exit b']);
    });

    it('runs calls with different keys side by side', async function () {
      const [ga, gb] = [gate(), gate()];
      orders.gates.set('a', ga);
      orders.gates.set('b', gb);
      const both = Promise.all(['a', 'b'].map((tag) => new Promise<void>((resolve) => orders.entered.set(tag, resolve))));
      const calls = [orders.ship('1', 'a'), orders.ship('2', 'b')];
      await both;
      expect(orders.log).to.deep.equal(['enter a', 'enter b']);
      ga.open();
      gb.open();
      await Promise.all(calls);
    });

    it('aborts CurrentLock.signal with LockLostError on a loss, and the call rejects with it', async function () {
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const outcome = orders.untilLost(() => started()).then(
        () => 'resolved',
        (err: unknown) => err,
      );
      await running;
      store.forceDelete(locks.lock('fragile').key);
      const result = await outcome;
      expect(orders.lossReason).to.be.instanceOf(LockLostError);
      expect(result).to.be.instanceOf(LockLostError);
    });

    it('skips when busy with blocking: false: the method is not called and the call resolves undefined', async function () {
      const holder = await locks.lock('nightly').hold();
      expect(await orders.nightly()).to.equal(undefined);
      expect(orders.log).to.deep.equal([]);
      await holder.release();
      expect(await orders.nightly()).to.equal('ran');
    });

    it("rejects with LockTimeoutError when busy with onBusy: 'throw'", async function () {
      const holder = await locks.lock('nightly').hold();
      try {
        await orders.nightlyOrFail().then(
          () => expect.fail('resolved while busy'),
          (err: unknown) => expect(err).to.be.instanceOf(LockTimeoutError),
        );
      } finally {
        await holder.release();
      }
    });

    it('says how to fix a method that returns an Observable without declaring it', async function () {
      const err = await (orders.undeclared() as unknown as Promise<unknown>).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(LockConfigurationError);
      expect((err as Error).message).to.contain(': Observable<T>');
    });
  });

  describe('on a method returning an Observable', function () {
    it('acquires on subscribe, holds while subscribed, releases on unsubscribe', async function () {
      const ticks$ = orders.ticks$();
      expect(await locks.lock('stream').locked()).to.equal(false);
      const { subscription } = await nextValue(ticks$);
      expect(await locks.lock('stream').locked()).to.equal(true);
      subscription.unsubscribe();
      expect(orders.log).to.deep.equal(['stream finalized']);
      await eventually(async () => expect(await locks.lock('stream').locked()).to.equal(false));
    });

    it('releases before it delivers the completion', async function () {
      expect(await lastValueFrom(orders.three$().pipe(toArray()))).to.deep.equal([1, 2, 3]);
      expect(await locks.lock('stream').locked()).to.equal(false);
    });

    it('errors the stream with LockLostError on a loss and cancels the work', async function () {
      const values: number[] = [];
      const failure = new Promise<unknown>((resolve) => {
        orders.ticks$().subscribe({
          next: (v) => {
            values.push(v);
            if (v === 1) store.forceDelete(locks.lock('stream').key);
          },
          error: resolve,
        });
      });
      expect(await failure).to.be.instanceOf(LockLostError);
      expect(orders.log).to.deep.equal(['stream finalized']);
      expect(values).to.deep.equal([0, 1]);
    });

    it('serialises two subscriptions', async function () {
      const first = await nextValue(orders.ticks$());
      const second = orders.three$().pipe(toArray());
      const secondDone = firstValueFrom(second);
      let done = false;
      void secondDone.then(() => (done = true));
      await firstValueFrom(interval(50).pipe(take(1)));
      expect(done).to.equal(false);
      first.subscription.unsubscribe();
      expect(await secondDone).to.deep.equal([1, 2, 3]);
    });

    it('completes empty without calling the method when busy with blocking: false', async function () {
      const holder = await locks.lock('stream').hold();
      expect(await lastValueFrom(orders.threeOrNothing$().pipe(toArray()))).to.deep.equal([]);
      expect(orders.log).to.deep.equal([]);
      await holder.release();
      expect(await lastValueFrom(orders.threeOrNothing$().pipe(toArray()))).to.deep.equal([1, 2, 3]);
    });
  });

  it('refuses a method of an instance Nest did not create', async function () {
    const stray = new Orders(new CurrentLock());
    const err = await orders.nightly.call(stray).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LockConfigurationError);
    expect((err as Error).message).to.contain('SherlockModule');
  });
});
