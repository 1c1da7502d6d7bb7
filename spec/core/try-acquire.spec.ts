import { expect } from 'chai';
import { firstValueFrom, materialize, toArray, type Subscription } from 'rxjs';
import { tryAcquireLock } from '../../lib/core/acquire';
import type { LockContext } from '../../lib/core/lock-context';
import type { LockHandle } from '../../lib/core/lock-handle';
import { MemoryDriver } from '../../lib/backends/memory/memory-driver';
import { MemoryStore } from '../../lib/backends/memory/memory-store';
import { DEFAULTS } from '../../lib/options';

describe('tryAcquireLock()', function () {
  const contextOver = (store: MemoryStore): LockContext => ({
    name: 'job',
    key: 'job',
    backend: 'memory',
    driver: new MemoryDriver(store),
    options: DEFAULTS,
  });

  it('emits a held handle when the lock is free', async function () {
    const store = new MemoryStore();
    const handle = await new Promise<LockHandle>((resolve) => {
      const sub = tryAcquireLock(contextOver(store)).subscribe((h) => {
        resolve(h);
        queueMicrotask(() => sub.unsubscribe());
      });
    });
    expect(handle.name).to.equal('job');
    expect(store.ownerOf('job')).to.equal(handle.token);
  });

  it('completes without emitting or erroring when another owner holds it, leaving nothing behind', async function () {
    const store = new MemoryStore();
    const ctx = contextOver(store);
    let holding: Subscription | undefined;
    const held = await new Promise<LockHandle>((resolve) => (holding = tryAcquireLock(ctx).subscribe(resolve)));
    const owner = store.ownerOf('job');
    expect(owner).to.equal(held.token);
    const events = await firstValueFrom(tryAcquireLock(ctx).pipe(materialize(), toArray()));
    expect(events.map((e) => e.kind)).to.deep.equal(['C']);
    expect(store.ownerOf('job')).to.equal(owner);
    holding!.unsubscribe();
  });
});
