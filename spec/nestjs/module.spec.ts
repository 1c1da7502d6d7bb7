import 'reflect-metadata';
import { expect } from 'chai';
import * as sinon from 'sinon';
import { Injectable, Module } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { LockConfigurationError, MemoryLock, MemoryStore } from '../../lib';
import * as registry from '../../lib/facade/backend-registry';
import { memoryBackend } from '../../lib/entries/memory';
import { CurrentLock, LockService, SHERLOCK_MODULE_OPTIONS, SherlockModule, WithLock } from '../../lib/entries/nestjs';
import { startContext } from './fixtures';

@Injectable()
class FeatureJob {
  @WithLock('feature-job')
  async run(): Promise<string> {
    return 'ran';
  }
}

/** A module that does not import SherlockModule: it sees LockService only when the module is global. */
@Module({ providers: [FeatureJob], exports: [FeatureJob] })
class FeatureModule {}

const STORE = 'STORE';

/** Stands in for a ConfigModule: provides what the async factory needs. */
@Module({ providers: [{ provide: STORE, useFactory: () => new MemoryStore() }], exports: [STORE] })
class StoreModule {}

describe('nestjs: SherlockModule and LockService', function () {
  const opened: TestingModule[] = [];
  const open = async (...args: Parameters<typeof startContext>) => {
    const moduleRef = await startContext(...args);
    opened.push(moduleRef);
    return moduleRef;
  };

  afterEach(async function () {
    sinon.restore();
    await Promise.all(opened.splice(0).map((m) => m.close()));
  });

  it('forRoot: makes locks on the configured client with the module defaults', async function () {
    const store = new MemoryStore();
    const moduleRef = await open({ imports: [SherlockModule.forRoot({ client: store, namespace: 'shop', expire: 2_000 })] });
    const lock = moduleRef.get(LockService).lock('cart');
    expect(lock.key).to.equal('shop_cart');
    const handle = await lock.hold();
    expect(handle.expiresAt).to.be.a('number');
    // Held on the given store: a lock of the same key there is refused.
    expect(await new MemoryLock('cart', { client: store, namespace: 'shop' }).acquire(false)).to.equal(false);
    await handle.release();
    expect(moduleRef.get(SHERLOCK_MODULE_OPTIONS)).to.deep.equal({ client: store, namespace: 'shop', expire: 2_000 });
  });

  it('forRoot: per-lock options override the defaults, but never the backend or client', async function () {
    const store = new MemoryStore();
    const moduleRef = await open({ imports: [SherlockModule.forRoot({ backend: memoryBackend, client: store, namespace: 'a' })] });
    const lock = moduleRef.get(LockService).lock('x', { namespace: 'b', client: new MemoryStore() } as never);
    expect(lock.key).to.equal('b_x');
    expect(await moduleRef.get(LockService).run('x', () => new MemoryLock('x', { client: store, namespace: 'b' }).locked(), { namespace: 'b' })).to.equal(true);
  });

  it('forRootAsync: builds the options with a factory that injects from imported modules', async function () {
    const moduleRef = await open({
      imports: [
        SherlockModule.forRootAsync({
          imports: [StoreModule],
          inject: [STORE],
          useFactory: (store: MemoryStore) => ({ backend: memoryBackend, client: store, namespace: 'async' }),
        }),
      ],
    });
    const store = moduleRef.get<MemoryStore>(STORE);
    await moduleRef.get(LockService).run('job', async () => {
      expect(await new MemoryLock('job', { client: store, namespace: 'async' }).locked()).to.equal(true);
    });
  });

  it('isGlobal: @WithLock in a module that does not import SherlockModule finds the LockService', async function () {
    const moduleRef = await open({ imports: [SherlockModule.forRoot({ backend: memoryBackend, client: new MemoryStore(), isGlobal: true }), FeatureModule] });
    expect(await moduleRef.get(FeatureJob).run()).to.equal('ran');
    expect(moduleRef.get(CurrentLock)).to.be.instanceOf(CurrentLock);
  });

  it('without isGlobal, such a module fails at bootstrap, naming LockService', async function () {
    const err = await open({ imports: [SherlockModule.forRoot({ backend: memoryBackend, client: new MemoryStore() }), FeatureModule] }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    expect((err as Error).message).to.contain('LockService');
  });

  it('rejects invalid options at bootstrap with LockConfigurationError', async function () {
    const err = await open({ imports: [SherlockModule.forRoot({ backend: memoryBackend, expire: -1 })] }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LockConfigurationError);
  });

  describe('on application shutdown', function () {
    it('never closes a client it was given', async function () {
      const close = sinon.stub(registry, 'closeDefaultClients').resolves();
      const moduleRef = await startContext({ imports: [SherlockModule.forRoot({ backend: memoryBackend, client: new MemoryStore() })] });
      await moduleRef.get(LockService).run('given', () => undefined);
      await moduleRef.close();
      expect(close.called).to.equal(false);
    });

    it('closes the default clients its locks used, once the last application using them shuts down', async function () {
      const close = sinon.stub(registry, 'closeDefaultClients').resolves();
      const [a, b] = await Promise.all([1, 2].map(() => startContext({ imports: [SherlockModule.forRoot({ backend: memoryBackend })] })));
      await a.get(LockService).run('default-a', () => undefined);
      await b.get(LockService).run('default-b', () => undefined);
      await a.close();
      expect(close.called, 'closed while another app still uses them').to.equal(false);
      await b.close();
      expect(close.calledOnce).to.equal(true);
    });

    it('closes nothing when it never made a lock', async function () {
      const close = sinon.stub(registry, 'closeDefaultClients').resolves();
      const moduleRef = await startContext({ imports: [SherlockModule.forRoot({ backend: memoryBackend })] });
      await moduleRef.close();
      expect(close.called).to.equal(false);
    });
  });
});
