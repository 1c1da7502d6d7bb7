import { expect } from 'chai';
import * as sinon from 'sinon';
import { TimerQueue, type QueuedTimer } from '../../lib/core/timer-queue';

describe('timer queue', function () {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  it('fires every entry that was not cancelled, in deadline order, at its deadline', async function () {
    const queue = new TimerQueue(false);
    const fired: number[] = [];
    const entries = Array.from({ length: 200 }, (_, i) => {
      const delay = (i * 37) % 101;
      return { delay, i, entry: queue.schedule(delay, () => fired.push(i)) };
    });
    const cancelled = new Set(entries.filter((e) => e.i % 3 === 0).map((e) => e.i));
    for (const e of entries) if (cancelled.has(e.i)) queue.cancel(e.entry);
    await clock.tickAsync(49);
    const early = entries.filter((e) => !cancelled.has(e.i) && e.delay <= 49).length;
    expect(fired.length).to.equal(early);
    await clock.tickAsync(60);
    const expected = entries.filter((e) => !cancelled.has(e.i)).sort((a, b) => a.delay - b.delay || a.i - b.i);
    expect(fired.map((i) => entries[i].delay)).to.deep.equal(expected.map((e) => e.delay));
    expect(new Set(fired)).to.deep.equal(new Set(expected.map((e) => e.i)));
    expect(queue.size).to.equal(0);
  });

  it('fires an earlier deadline scheduled after a later one on time', async function () {
    const queue = new TimerQueue(true);
    const fired: string[] = [];
    queue.schedule(1_000, () => fired.push('late'));
    queue.schedule(10, () => fired.push('early'));
    await clock.tickAsync(10);
    expect(fired).to.deep.equal(['early']);
    await clock.tickAsync(990);
    expect(fired).to.deep.equal(['early', 'late']);
  });

  it('keeps serving entries scheduled after the queue went idle', async function () {
    const queue = new TimerQueue(true);
    const fired: number[] = [];
    queue.cancel(queue.schedule(5_000, () => fired.push(0)));
    queue.schedule(6_000, () => fired.push(1));
    await clock.tickAsync(6_000);
    expect(fired).to.deep.equal([1]);
  });
});

describe('timer queue: entries moved in place', function () {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  const owned = (fired: string[], name: string): QueuedTimer => ({ at: 0, index: -1, lane: undefined, fire: () => fired.push(name) });

  it('fires a moved entry once, at its last deadline, whether moved later or earlier', async function () {
    const queue = new TimerQueue(false);
    const fired: string[] = [];
    const later = owned(fired, 'later');
    const earlier = owned(fired, 'earlier');
    queue.moveTo(later, 100);
    queue.moveTo(earlier, 500);
    queue.schedule(300, () => fired.push('fixed'));
    queue.moveTo(later, 400);
    queue.moveTo(earlier, 50);
    expect(queue.size).to.equal(3);
    await clock.tickAsync(50);
    expect(fired).to.deep.equal(['earlier']);
    await clock.tickAsync(249);
    expect(fired).to.deep.equal(['earlier']);
    await clock.tickAsync(1);
    expect(fired).to.deep.equal(['earlier', 'fixed']);
    await clock.tickAsync(99);
    expect(fired).to.deep.equal(['earlier', 'fixed']);
    await clock.tickAsync(1);
    expect(fired).to.deep.equal(['earlier', 'fixed', 'later']);
    await clock.tickAsync(1_000);
    expect(fired).to.deep.equal(['earlier', 'fixed', 'later']);
    expect(queue.size).to.equal(0);
  });

  it('queues a fired or cancelled entry again when moved', async function () {
    const queue = new TimerQueue(true);
    const fired: string[] = [];
    const entry = owned(fired, 'x');
    queue.moveTo(entry, 10);
    await clock.tickAsync(10);
    queue.moveTo(entry, 20);
    queue.cancel(entry);
    queue.moveTo(entry, 30);
    await clock.tickAsync(20);
    expect(fired).to.deep.equal(['x', 'x']);
    expect(queue.size).to.equal(0);
  });
});
