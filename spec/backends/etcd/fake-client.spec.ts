/**
 * A client that passes the etcd backend's duck-typed check but misbehaves (issue 8, items
 * 5/9): every failure must reach the caller as a LockError, with no unhandled rejection and
 * no uncaught exception (from a timer, a keepalive loop or an event handler).
 */
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { EtcdLock, isLockError } from '../../../lib';
import { isEtcdClient } from '../../../lib/backends/etcd/descriptor';
import { sleep } from '../../support/async';
import type { EtcdClient } from '../../../lib/backends/etcd/client-shape';

type Mode = 'throws' | 'throws-at-once' | 'non-promise' | 'garbage' | 'rejects-undefined' | 'never-settles';

/** Terminal calls of etcd3's builders and of a Lease: where a request would go out. */
const TERMINALS = new Set(['commit', 'exec', 'keys', 'grant', 'revoke', 'keepaliveOnce', 'cancel']);

function garbage(method: string): unknown {
  if (method === 'grant') return '12345';
  if (method === 'keepaliveOnce') return { TTL: undefined };
  return { succeeded: 'maybe', header: null, responses: 7, kvs: 'x' };
}

/** Every property is a chainable function (like etcd3's builders); terminals misbehave per `mode`. */
function fakeEtcdClient(mode: Mode): object {
  const terminal = (method: string) => () => {
    switch (mode) {
      case 'throws':
        throw new TypeError(`fake ${method}: thrown synchronously`);
      case 'non-promise':
        return 42;
      case 'garbage':
        return Promise.resolve(garbage(method));
      case 'rejects-undefined':
        return Promise.reject(undefined);
      case 'never-settles':
        return new Promise(() => undefined);
      default:
        return Promise.resolve(undefined);
    }
  };
  const chain: object = new Proxy(function fake() {}, {
    get: (_t, prop) => (TERMINALS.has(String(prop)) ? terminal(String(prop)) : () => chain),
    apply: () => chain,
  });
  return new Proxy(
    {},
    {
      get: (_t, prop) => {
        if (typeof prop !== 'string') return undefined;
        if (mode === 'throws-at-once') {
          return () => {
            throw new TypeError(`fake client.${prop}: thrown synchronously`);
          };
        }
        return () => chain;
      },
    },
  );
}

describe('etcd backend with a misbehaving duck-typed client', function () {
  this.timeout(30_000);
  const unhandled: unknown[] = [];
  const uncaught: unknown[] = [];
  const onUnhandled = (r: unknown) => unhandled.push(r);
  const onUncaught = (e: unknown) => uncaught.push(e);
  before(() => {
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtExceptionMonitor', onUncaught);
  });
  after(() => {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtExceptionMonitor', onUncaught);
  });

  const modes: Mode[] = ['throws', 'throws-at-once', 'non-promise', 'garbage', 'rejects-undefined', 'never-settles'];

  it('passes the client check in every mode (so the backend really uses it)', function () {
    for (const mode of modes) expect(isEtcdClient(fakeEtcdClient(mode)), mode).to.equal(true);
  });

  it('rejects every call with a LockError and leaves no unhandled rejection or uncaught exception', async function () {
    const outcomes = await Promise.all(
      modes.map(async (mode) => {
        const client = fakeEtcdClient(mode);
        const lock = (n: string) => new EtcdLock(`fake-${mode}-${n}`, { client: client as unknown as EtcdClient, expire: 2_000 });
        // Each outcome is caught as soon as the call is made, so that the test itself leaves no
        // rejection unhandled while it waits for a slower call.
        const outcome = (name: string, call: Promise<unknown>) =>
          call.then(
            (v) => `${mode} ${name}: resolved with ${String(v)}`,
            (e: unknown) => `${mode} ${name}: ${isLockError(e) ? 'LockError' : `NOT a LockError: ${String(e)}`}`,
          );
        return Promise.all([
          outcome('acquire(false)', lock('a').acquire(false)),
          outcome('acquire({timeout})', lock('b').acquire({ timeout: 300 })),
          outcome('locked()', lock('c').locked()),
          outcome('acquire$()', firstValueFrom(lock('d').acquire$({ timeout: 300 }))),
        ]);
      }),
    );
    // Late failures come from timers: keepalives (TTL/3), idle sessions (2 s), watch retries.
    await sleep(3_000);
    const flat = outcomes.flat();
    expect(flat.filter((r) => !r.endsWith(': LockError')), flat.join('\n')).to.deep.equal([]);
    expect(unhandled.map(String), 'unhandled rejections').to.deep.equal([]);
    expect(uncaught.map(String), 'uncaught exceptions').to.deep.equal([]);
  });
});
