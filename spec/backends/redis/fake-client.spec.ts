import { expect } from 'chai';
import { isLockError, LockBackendError, RedisLock } from '../../../lib';
import type { RedisDriver } from '../../../lib/backends/redis/driver';
import { redisBackend } from '../../../lib/backends/redis/descriptor';
import { isRedisClient } from '../../../lib/backends/redis/client';
import type { RedisClient } from '../../../lib/backends/redis/client-shape';

/**
 * Objects that pass the duck-typed client check (defineCommand, duplicate, pipeline, status)
 * but are not ioredis clients, or misbehave like a broken one. Whatever they do, every failure
 * must reach the caller as a LockError, and nothing may end as an unhandled rejection or an
 * uncaught exception (issue 8, item 9).
 */

type Fn = (...args: unknown[]) => unknown;

const boom = (): never => {
  throw new Error('fake client: boom');
};
const rejects = (): Promise<never> => Promise.reject(new Error('fake client: rejected'));
const never = (): Promise<never> => new Promise<never>(() => undefined);

interface FakeSpec {
  /** Reply of every Lua script (acquire, release, extend), as a function of the script name. */
  script?: (name: string) => unknown;
  exists?: Fn;
  duplicate?: Fn;
  pipeline?: Fn;
  defineCommand?: Fn;
  on?: Fn | null;
  off?: Fn | null;
  options?: () => unknown;
}

/** A minimal event emitter surface (on/off/once), or a broken one. */
function emitterOf(spec: FakeSpec): Record<string, unknown> {
  const noop = function (this: unknown) {
    return this;
  };
  const out: Record<string, unknown> = {};
  if (spec.on !== null) out.on = spec.on ?? noop;
  if (spec.off !== null) out.off = spec.off ?? noop;
  out.once = noop;
  return out;
}

function fake(spec: FakeSpec): Record<string, unknown> {
  const client: Record<string, unknown> = {
    status: 'ready',
    ...emitterOf(spec),
    duplicate: spec.duplicate ?? (() => fake({})),
    pipeline: spec.pipeline ?? (() => ({})),
    defineCommand:
      spec.defineCommand ??
      ((name: string) => {
        client[name] = (..._args: unknown[]) => (spec.script ? spec.script(name) : undefined);
      }),
  };
  if (spec.exists) client.exists = spec.exists;
  if (spec.options) Object.defineProperty(client, 'options', { get: spec.options });
  return client;
}

/** A pipeline whose script calls are accepted and whose exec() returns `exec()`. */
const pipelineWith = (exec: Fn) => () =>
  new Proxy({} as Record<string, unknown>, {
    get: (_t, prop) => (prop === 'exec' ? exec : () => undefined),
  });

/** A subscriber connection (what duplicate() returns) with the given behaviour. */
function subscriberWith(methods: Record<string, Fn | undefined>): Record<string, unknown> {
  return { status: 'ready', on: () => undefined, off: () => undefined, ...methods };
}

const grants = (name: string): unknown => (name.includes('acquire') ? 7 : 1);
const busy = (name: string): unknown => (name.includes('acquire') ? 0 : 1);

const fakes: Record<string, () => Record<string, unknown>> = {
  'only the four duck-typed members (no commands at all)': () => fake({}),
  'defineCommand throws': () => fake({ defineCommand: boom }),
  'options getter throws': () => fake({ options: boom }),
  'scripts throw synchronously': () => fake({ script: boom, exists: boom }),
  'scripts reject': () => fake({ script: () => rejects(), exists: rejects }),
  'scripts return junk (not promises)': () => fake({ script: () => 'banana', exists: () => ({}) }),
  'scripts resolve junk': () => fake({ script: () => Promise.resolve('banana'), exists: () => Promise.resolve('x') }),
  'scripts resolve negative or fractional numbers': () =>
    fake({ script: (n) => Promise.resolve(n.includes('acquire') ? 2.5 : -1), exists: () => Promise.resolve(-3) }),
  'no on/off (not an EventEmitter)': () => fake({ on: null, off: null, script: (n) => Promise.resolve(busy(n)) }),
  'on throws': () => fake({ on: boom, script: (n) => Promise.resolve(busy(n)) }),
  'busy, duplicate() throws': () => fake({ duplicate: boom, script: (n) => Promise.resolve(busy(n)) }),
  'busy, duplicate() returns null': () => fake({ duplicate: () => null, script: (n) => Promise.resolve(busy(n)) }),
  'busy, duplicate() returns a number': () => fake({ duplicate: () => 42, script: (n) => Promise.resolve(busy(n)) }),
  'busy, subscriber has no methods': () => fake({ duplicate: () => ({}), script: (n) => Promise.resolve(busy(n)) }),
  'busy, subscriber methods throw': () =>
    fake({
      duplicate: () => subscriberWith({ on: boom, subscribe: boom, unsubscribe: boom, disconnect: boom, ping: boom }),
      script: (n) => Promise.resolve(busy(n)),
    }),
  'busy, subscriber subscribe() returns junk, unsubscribe/disconnect throw': () =>
    fake({
      duplicate: () => subscriberWith({ subscribe: () => 'junk', unsubscribe: boom, disconnect: boom }),
      script: (n) => Promise.resolve(busy(n)),
    }),
  'busy, subscriber subscribe() resolves, unsubscribe() rejects, disconnect() throws': () =>
    fake({
      duplicate: () => subscriberWith({ subscribe: () => Promise.resolve(1), unsubscribe: rejects, disconnect: boom }),
      script: (n) => Promise.resolve(busy(n)),
    }),
  'busy, subscriber subscribe() never answers, unsubscribe() returns junk': () =>
    fake({
      duplicate: () => subscriberWith({ subscribe: never, unsubscribe: () => 'junk', disconnect: () => undefined }),
      script: (n) => Promise.resolve(busy(n)),
    }),
  'grants, pipeline() throws': () => fake({ script: (n) => Promise.resolve(grants(n)), pipeline: boom }),
  'grants, pipeline() returns junk': () => fake({ script: (n) => Promise.resolve(grants(n)), pipeline: () => 5 }),
  'grants, exec() resolves junk': () =>
    fake({ script: (n) => Promise.resolve(grants(n)), pipeline: pipelineWith(() => Promise.resolve('junk')) }),
  'grants, exec() resolves entries that are not pairs': () =>
    fake({ script: (n) => Promise.resolve(grants(n)), pipeline: pipelineWith(() => Promise.resolve([7, null, 'x'])) }),
  'grants, exec() resolves too few entries': () =>
    fake({ script: (n) => Promise.resolve(grants(n)), pipeline: pipelineWith(() => Promise.resolve([])) }),
  'grants, exec() throws': () => fake({ script: (n) => Promise.resolve(grants(n)), pipeline: pipelineWith(boom) }),
  'grants, release and extend reject': () =>
    fake({ script: (n) => (n.includes('acquire') ? Promise.resolve(7) : rejects()), pipeline: pipelineWith(rejects) }),
};

/** Collects unhandled rejections and uncaught exceptions while `body` runs, and a little after. */
async function watchProcess(body: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onRejection = (err: unknown): void => void seen.push(err);
  const onException = (err: unknown): void => void seen.push(err);
  // Mocha's own handlers would fail some other test later; ours see the event first and record it.
  const mochaRejection = process.listeners('unhandledRejection');
  const mochaException = process.listeners('uncaughtException');
  process.removeAllListeners('unhandledRejection');
  process.removeAllListeners('uncaughtException');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  try {
    await body();
    // Fire-and-forget work (teardown, idle close of the subscriber after 250 ms) runs later.
    await new Promise((r) => setTimeout(r, 400));
  } finally {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    for (const l of mochaRejection) process.on('unhandledRejection', l as (...a: unknown[]) => void);
    for (const l of mochaException) process.on('uncaughtException', l as (...a: unknown[]) => void);
  }
  return seen;
}

/** Runs `op`; it may resolve, but a failure must be a LockError. */
async function outcome(label: string, op: () => Promise<unknown>): Promise<string> {
  try {
    const value = await op();
    return `${label}: resolved ${JSON.stringify(value)}`;
  } catch (err) {
    expect(isLockError(err), `${label} rejected with a non-LockError: ${(err as Error)?.stack ?? String(err)}`).to.equal(true);
    return `${label}: ${(err as Error).name}`;
  }
}

describe('redis backend with a fake (duck-typed) client', function () {
  this.timeout(10_000);

  for (const [title, make] of Object.entries(fakes)) {
    it(`reports every failure as a LockError, and nothing unhandled: ${title}`, async function () {
      const client = make();
      expect(isRedisClient(client), 'the fake must pass the duck-typed check').to.equal(true);
      const seen = await watchProcess(async () => {
        const lock = new RedisLock(`fake-${Math.random()}`, { client: client as unknown as RedisClient, expire: 200, retryInterval: 20 });
        await outcome('locked', () => lock.locked());
        await outcome('acquire(false)', () => lock.acquire(false));
        await outcome('release', () => lock.release());
        // Blocking: busy answers make it wait, which opens the release watch (the subscriber).
        await outcome('acquire(timeout 150)', () => lock.acquire({ timeout: 150 }));
        await outcome('renew', () => lock.renew());
        await outcome('release', () => lock.release());
        // Auto-renewal goes through renewMany (the pipeline).
        const renewing = new RedisLock(`fake-${Math.random()}`, { client: client as unknown as RedisClient, expire: 120, autoRenew: true });
        await outcome('acquire(false) autoRenew', () => renewing.acquire(false));
        await new Promise((r) => setTimeout(r, 200));
        await outcome('release autoRenew', () => renewing.release());
      });
      expect(seen.map((e) => (e as Error)?.stack ?? String(e))).to.deep.equal([]);
      // Nothing left behind by failed subscriptions (the 250 ms idle close has passed).
      let driver: RedisDriver | undefined;
      try {
        driver = redisBackend.driverFor(client as never) as RedisDriver;
      } catch {
        return; // the client was refused at setup: there is no driver to leak anything
      }
      expect(driver.releases.channelCount, 'channels left subscribed').to.equal(0);
      expect(driver.releases.isOpen, 'subscriber connection left open').to.equal(false);
    });
  }

  it('takes a reply of the wrong shape for an error, not for "busy"', async function () {
    // Negative integers are busy answers (minus the fencing counter), down to -(2^53 - 1).
    for (const reply of ['banana', 2.5, -(2 ** 60), null, [1]]) {
      const client = fake({ script: () => Promise.resolve(reply), exists: () => Promise.resolve(reply) });
      const lock = new RedisLock(`fake-${Math.random()}`, { client: client as unknown as RedisClient });
      const acquired = await lock.acquire(false).catch((e: unknown) => e);
      expect(acquired, `acquire(false) with the reply ${JSON.stringify(reply)}`).to.be.instanceOf(LockBackendError);
      const locked = await lock.locked().catch((e: unknown) => e);
      expect(locked, `locked() with the reply ${JSON.stringify(reply)}`).to.be.instanceOf(LockBackendError);
    }
  });
});
