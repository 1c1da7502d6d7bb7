import 'reflect-metadata';
import { expect } from 'chai';
import { Injectable } from '@nestjs/common';
import { LockLostError, MemoryStore } from '../../lib';
import { CurrentLock, LockService, SherlockTestingModule, WithLock } from '../../lib/entries/nestjs';
import { startContext } from './fixtures';

/** A user's service, tested the way the README tells users to. */
@Injectable()
class InvoiceService {
  constructor(private readonly currentLock: CurrentLock) {}

  @WithLock((id: string) => `invoice-${id}`)
  async settle(id: string, started: () => void): Promise<string> {
    const signal = this.currentLock.signal;
    started();
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    return `settled ${id}`;
  }
}

describe('nestjs: SherlockTestingModule', function () {
  it('runs @WithLock on an in-memory store the test can reach, e.g. to force a loss', async function () {
    const moduleRef = await startContext({ imports: [SherlockTestingModule.forRoot()], providers: [InvoiceService] });
    try {
      const store = moduleRef.get(MemoryStore);
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const outcome = moduleRef
        .get(InvoiceService)
        .settle('42', () => started())
        .catch((e: unknown) => e);
      await running;
      expect(await moduleRef.get(LockService).lock('invoice-42').locked()).to.equal(true);
      store.forceDelete('invoice-42');
      expect(await outcome).to.be.instanceOf(LockLostError);
    } finally {
      await moduleRef.close();
    }
  });

  it('lets two test apps contend through one store, with the module defaults', async function () {
    const store = new MemoryStore();
    const [a, b] = await Promise.all([1, 2].map(() => startContext({ imports: [SherlockTestingModule.forRoot({ store, namespace: 't' })] })));
    try {
      const handle = await a.get(LockService).lock('shared').hold();
      expect(handle.key).to.equal('t_shared');
      expect(await b.get(LockService).lock('shared').acquire(false)).to.equal(false);
      await handle.release();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
