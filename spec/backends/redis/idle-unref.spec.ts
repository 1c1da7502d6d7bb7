import { expect } from 'chai';
import * as sinon from 'sinon';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { IdleUnref, REQUEST_REF_LIMIT_MS } from '../../../lib/backends/redis/idle-unref';

/** A stand-in for an ioredis client: an EventEmitter with a socket that records ref/unref. */
function fakeClient(): { client: Redis; stream: { ref: sinon.SinonSpy; unref: sinon.SinonSpy; referenced: () => boolean } } {
  const calls: string[] = [];
  const stream = {
    ref: sinon.spy(() => calls.push('ref')),
    unref: sinon.spy(() => calls.push('unref')),
    referenced: () => calls[calls.length - 1] === 'ref',
  };
  const client = Object.assign(new EventEmitter(), { stream });
  return { client: client as unknown as Redis, stream };
}

describe('IdleUnref', function () {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  it('references the connection while a request is pending, and not when idle', async function () {
    const { client, stream } = fakeClient();
    const idle = new IdleUnref(client);
    expect(stream.referenced()).to.equal(false);
    let answer!: (v: string) => void;
    const p = idle.track(() => new Promise<string>((r) => (answer = r)));
    expect(stream.referenced()).to.equal(true);
    answer('ok');
    expect(await p).to.equal('ok');
    expect(stream.referenced()).to.equal(false);
    expect(idle.inFlight).to.equal(0);
  });

  it('stops keeping the process alive for a request that never settles (abandoned on a stalled or down server)', async function () {
    const { client, stream } = fakeClient();
    const idle = new IdleUnref(client);
    void idle.track(() => new Promise<never>(() => undefined));
    expect(stream.referenced()).to.equal(true);
    await clock.tickAsync(REQUEST_REF_LIMIT_MS - 1);
    expect(stream.referenced(), 'still within the limit').to.equal(true);
    await clock.tickAsync(1);
    expect(stream.referenced(), 'past the limit').to.equal(false);
    expect(idle.inFlight).to.equal(0);
  });

  it('counts a request once, whether it settles before or after the limit', async function () {
    const { client, stream } = fakeClient();
    const idle = new IdleUnref(client);
    let late!: () => void;
    const slow = idle.track(() => new Promise<void>((r) => (late = r)));
    await clock.tickAsync(REQUEST_REF_LIMIT_MS);
    let answer!: () => void;
    const pending = idle.track(() => new Promise<void>((r) => (answer = r)));
    late();
    await slow;
    // The slow one settling late must not uncount the one still pending.
    expect(idle.inFlight).to.equal(1);
    expect(stream.referenced()).to.equal(true);
    answer();
    await pending;
    expect(idle.inFlight).to.equal(0);
    expect(stream.referenced()).to.equal(false);
  });

  it('turns a synchronous throw or a non-promise into a settled promise', async function () {
    const { client } = fakeClient();
    const idle = new IdleUnref(client);
    const err = await idle
      .track(() => {
        throw new Error('sync');
      })
      .catch((e: Error) => e.message);
    expect(err).to.equal('sync');
    expect(await idle.track(() => 'junk' as unknown as Promise<string>)).to.equal('junk');
    expect(idle.inFlight).to.equal(0);
  });
});
