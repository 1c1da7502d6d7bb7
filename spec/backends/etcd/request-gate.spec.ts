import { expect } from 'chai';
import { RequestGate } from '../../../lib/backends/etcd/request-gate';

describe('etcd request gate', function () {
  const deferred = () => {
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  };

  it('keeps at most `limit` requests in flight and sends the rest as slots free up', async function () {
    const gate = new RequestGate(2);
    const pending = Array.from({ length: 5 }, deferred);
    let inFlight = 0;
    let maxInFlight = 0;
    const results = pending.map((d) =>
      gate.run('a', () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        return d.promise.finally(() => inFlight--);
      }),
    );
    expect(inFlight).to.equal(2);
    expect(gate.waiting).to.equal(3);
    for (const d of pending) {
      d.resolve();
      await Promise.resolve();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(results);
    expect(maxInFlight).to.equal(2);
    expect(gate.waiting).to.equal(0);
  });

  it('serves lanes round-robin: a lane with a backlog does not delay another lane', async function () {
    const gate = new RequestGate(1);
    const order: string[] = [];
    const first = deferred();
    const all = [gate.run('storm', () => first.promise)];
    for (let i = 0; i < 5; i++) all.push(gate.run('storm', async () => void order.push(`storm${i}`)));
    all.push(gate.run('other', async () => void order.push('other')));
    first.resolve();
    await Promise.all(all);
    expect(order.indexOf('other')).to.be.lessThan(2);
  });

  it('turns a synchronous throw of the client into a rejection and frees the slot', async function () {
    const gate = new RequestGate(1);
    const failed = gate.run('a', () => {
      throw new Error('boom');
    });
    const err = await failed.catch((e: unknown) => e);
    expect((err as Error).message).to.equal('boom');
    expect(await gate.run('a', async () => 42)).to.equal(42);
  });
});
