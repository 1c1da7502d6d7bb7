// A TypeScript project resolved the way bundlers do (moduleResolution bundler, strict,
// skipLibCheck false) that installed sherlock-rx, rxjs and ioredis 5 only.
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { defer, firstValueFrom, lastValueFrom, map, switchMap, timer } from 'rxjs';
import { MemoryLock, withLock, type LockHandle } from 'sherlock-rx';
import { RedisLock, redisBackend, type RedisClient } from 'sherlock-rx/redis';

const ok = (what: string): void => console.log(`OK ${what}`);

/** Compiled, never run: what the types must refuse. */
export function typeChecks(): unknown[] {
  return [
    // @ts-expect-error a URL is not a client
    new RedisLock('x', { client: 'redis://127.0.0.1' }),
    redisBackend.name,
  ];
}

const memory = new MemoryLock('bundler-job');
const token = await firstValueFrom(memory.acquire$().pipe(map((h: LockHandle) => h.fencingToken)));
assert.notEqual(token, undefined);
// firstValueFrom unsubscribes, which releases: a new caller gets the lock well within 1 s.
const next = new MemoryLock('bundler-job', { timeout: 1_000 });
assert.equal(await next.acquire(), true, 'the Observable did not release after firstValueFrom');
await next.release();
ok('memory lock through acquire$()');

const client: RedisClient = new Redis(process.env.REDIS_URL!);
try {
  const lock = new RedisLock('bundler-job', { client, expire: 5_000 });
  // lastValueFrom: withLock completes once the backend confirmed the release.
  const seen = await lastValueFrom(
    defer(() => timer(10)).pipe(
      switchMap(() => lock.locked()),
      withLock(lock),
    ),
  );
  assert.equal(seen, true, 'the work did not run under the lock');
  assert.equal(await lock.locked(), false);
  ok('redis lock (ioredis 5) through withLock');
} finally {
  (client as Redis).disconnect();
}
