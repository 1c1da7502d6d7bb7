/**
 * Look-alike clients: objects that pass the memcached backend's client check (duck-typed:
 * perform, incrSeq, add, servers) but misbehave. Whatever they do, every call of the public
 * API settles, every failure reaches the caller as a LockError, and nothing escapes as an
 * unhandled rejection or an uncaught exception.
 */
import { expect } from 'chai';
import { isLockError, MemcachedLock } from '../../../lib';
import { Opcode, Status } from '../../../lib/backends/memcached/protocol';
import type { MemcachedClient } from '../../../lib/backends/memcached/client-shape';

type Callback = (err: unknown, response: unknown) => void;
type Perform = (key: string, request: Buffer, seq: number, callback: Callback) => unknown;

/** A client that passes `isMemjsClient`, with `overrides` replacing its parts. */
function lookAlike(perform: Perform, overrides: Record<string, unknown> = {}): unknown {
  return {
    seq: 0,
    incrSeq(this: { seq: number }) {
      this.seq++;
    },
    add() {},
    servers: [],
    server: () => null,
    perform,
    ...overrides,
  };
}

/** What a healthy server would answer: ADD/SET/DELETE stored, GET absent, INCREMENT 7. */
function answer(request: Buffer, seq: number): unknown {
  const opcode = request[1];
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(7n);
  return {
    header: { status: opcode === Opcode.GET ? Status.KEY_NOT_FOUND : Status.OK, opaque: seq, cas: Buffer.alloc(8) },
    val: opcode === Opcode.INCREMENT ? counter : Buffer.alloc(0),
    extras: Buffer.alloc(0),
  };
}
const healthy: Perform = (_k, request, seq, cb) => void cb(null, answer(request, seq));
const later = (perform: Perform): Perform => (k, r, s, cb) => void setTimeout(() => perform(k, r, s, cb), 1);

const CLIENTS: Record<string, () => unknown> = {
  'perform throws': () => lookAlike(() => { throw new Error('boom'); }),
  'perform throws a non-Error': () => lookAlike(() => { throw undefined; }),
  'perform is async and rejects': () => lookAlike(async () => { throw new Error('async boom'); }),
  'perform is async, answers, then rejects': () => lookAlike(async (k, r, s, cb) => { healthy(k, r, s, cb); throw new Error('after'); }),
  'perform answers then throws': () => lookAlike((k, r, s, cb) => { healthy(k, r, s, cb); throw new Error('after'); }),
  'perform calls back twice (error, then answer)': () => lookAlike((k, r, s, cb) => { cb(new Error('first'), null); healthy(k, r, s, cb); }),
  'perform calls back twice (answer, then error), later': () => lookAlike(later((k, r, s, cb) => { healthy(k, r, s, cb); cb(new Error('second'), null); })),
  'perform calls back with a string error': () => lookAlike((_k, _r, _s, cb) => cb('bad', null)),
  'perform calls back with no response': () => lookAlike((_k, _r, _s, cb) => cb(null, undefined)),
  'perform calls back with a junk response': () => lookAlike((_k, _r, _s, cb) => cb(null, { header: 5 })),
  'perform calls back with a header only': () => lookAlike((_k, _r, _s, cb) => cb(null, { header: { status: 0 } })),
  'perform answers an unknown status': () => lookAlike((_k, _r, _s, cb) => cb(null, { header: { status: 0x84 }, val: Buffer.alloc(0), extras: Buffer.alloc(0) })),
  'servers hold junk': () => lookAlike(healthy, { servers: [null, 42, { _socket: 'x' }] }),
  'server() throws': () => lookAlike(later(healthy), { server: () => { throw new Error('server'); } }),
  'server() is missing': () => lookAlike(later(healthy), { server: undefined }),
  'server() is async and rejects': () => lookAlike(later(healthy), { server: async () => { throw new Error('server'); } }),
  'server() gives a junk socket': () => lookAlike(later(healthy), { server: () => ({ _socket: { once: () => { throw new Error('x'); } } }) }),
  'incrSeq throws': () => lookAlike(healthy, { incrSeq: () => { throw new Error('seq'); } }),
  'incrSeq is async and rejects': () => lookAlike(healthy, { incrSeq: async () => { throw new Error('seq'); } }),
  'seq is not a number': () => lookAlike(healthy, { seq: 'abc', incrSeq: () => undefined }),
  'seq is negative on a frozen client': () => Object.freeze(lookAlike(healthy, { seq: -5, incrSeq: () => undefined })),
};

/** Each public call, reduced to what it settled with. */
const CALLS: Record<string, (lock: MemcachedLock) => Promise<unknown>> = {
  'acquire(false)': (lock) => lock.acquire(false),
  'acquire({ timeout: 200 })': (lock) => lock.acquire({ timeout: 200 }),
  'locked()': (lock) => lock.locked(),
  'release() after acquire': async (lock) => {
    await lock.acquire(false).catch(() => undefined);
    return lock.release();
  },
  'renew() after acquire': async (lock) => {
    await lock.acquire(false).catch(() => undefined);
    try {
      return await lock.renew();
    } finally {
      await lock.release().catch(() => undefined);
    }
  },
};

describe('memcached backend with look-alike clients', () => {
  const escaped: unknown[] = [];
  const onEscape = (err: unknown): void => void escaped.push(err);

  beforeEach(() => {
    escaped.length = 0;
    process.on('unhandledRejection', onEscape);
  });
  afterEach(() => {
    process.off('unhandledRejection', onEscape);
  });

  for (const [what, make] of Object.entries(CLIENTS)) {
    it(`settles every call with a value or a LockError when ${what}`, async () => {
      const client = make();
      let n = 0;
      for (const [call, run] of Object.entries(CALLS)) {
        const lock = new MemcachedLock(`fake${n++}`, { client: client as unknown as MemcachedClient, expire: 2_000 });
        const outcome = await run(lock).then(
          () => null,
          (err: unknown) => err,
        );
        if (outcome !== null) expect(isLockError(outcome), `${call} rejected with ${String(outcome)}`).to.equal(true);
      }
      // Late callbacks and rejections of the look-alike run on later ticks.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(escaped.map(String), 'unhandled rejections').to.deep.equal([]);
    });
  }

  // Nothing in the driver can end a request that a look-alike never answers: the core's
  // 5000 ms bound on every driver call does.
  it('rejects one-attempt calls with LockBackendError when perform never calls back', async function () {
    this.timeout(30_000);
    const client = lookAlike(() => undefined);
    for (const call of ['acquire(false)', 'acquire({ timeout: 0 })', 'locked()'] as const) {
      const lock = new MemcachedLock(`silent-${call.length}`, { client: client as unknown as MemcachedClient });
      const run = call === 'locked()' ? lock.locked() : lock.acquire(call === 'acquire(false)' ? false : { timeout: 0 });
      const err = await run.then(() => null, (e: unknown) => e);
      expect(isLockError(err), `${call} settled with ${String(err)}`).to.equal(true);
    }
    expect(escaped.map(String), 'unhandled rejections').to.deep.equal([]);
  });
});
