/**
 * Extend: owner-checked reset of the expiry, one lock or many in one script call.
 */
import type { LockTarget } from '../../core/driver';
import { describeReply, integerReply, isCluster, type IoRedisClient } from './client';
import { defineScript, queueScript, runScript, ttlArg } from './scripts';

/**
 * KEYS[1..n] lock keys; ARGV[1..n] their tokens, ARGV[n+1..2n] their TTLs in ms ('' = never
 * expires: PERSIST). Returns an array of n integers: 1 where the key still held its token and
 * its expiry was reset, else 0. One call renews many locks: at 10,000 held locks a script
 * call per lock cost more client and server CPU than the renewals themselves.
 */
export const RENEW_SCRIPT = defineScript(
  'renew',
  null,
  `local n = #KEYS
local out = {}
for i = 1, n do
  if redis.pcall('GET', KEYS[i]) == ARGV[i] then
    local ttl = ARGV[n + i]
    if ttl == '' then redis.call('PERSIST', KEYS[i]) else redis.call('PEXPIRE', KEYS[i], ttl) end
    out[i] = 1
  else
    out[i] = 0
  end
end
return out`,
);

/**
 * Most locks one script call renews. The server runs nothing else while a script runs; about
 * 1 us per key on this kind of machine keeps a call under a millisecond.
 */
export const RENEW_CHUNK = 500;

function renewArgs(targets: readonly LockTarget[], from: number, to: number): string[] {
  const n = to - from;
  const args = new Array<string>(1 + 3 * n);
  args[0] = String(n);
  for (let i = 0; i < n; i++) {
    const t = targets[from + i]!;
    args[1 + i] = t.key;
    args[1 + n + i] = t.token;
    args[1 + 2 * n + i] = ttlArg(t.expire);
  }
  return args;
}

function renewReplies(reply: unknown, expected: number): boolean[] {
  if (!Array.isArray(reply) || reply.length !== expected) {
    throw new Error(`unexpected reply to the renew script for ${expected} lock(s): ${describeReply(reply)}`);
  }
  return reply.map((r) => integerReply(r, 'the renew script', 0, 1) === 1);
}

/** Resets `target`'s expiry if the lock still holds `target.token`; true if it did. */
export async function renew(client: IoRedisClient, target: LockTarget): Promise<boolean> {
  return renewReplies(await runScript(client, RENEW_SCRIPT, renewArgs([target], 0, 1)), 1)[0]!;
}

/**
 * {@link renew} for many locks: one script call per {@link RENEW_CHUNK} locks, all in one
 * pipeline (one round trip). On a Cluster the keys live in different slots, which one script
 * cannot span, so each lock is extended on its own (the requests still go out together).
 * Rejects with the first error if any call failed: a script error means a connection or
 * server problem, since the script tolerates foreign keys.
 */
export async function renewMany(client: IoRedisClient, targets: readonly LockTarget[]): Promise<boolean[]> {
  if (targets.length === 0) return [];
  if (isCluster(client)) return Promise.all(targets.map((t) => renew(client, t)));
  if (targets.length <= RENEW_CHUNK) {
    return renewReplies(await runScript(client, RENEW_SCRIPT, renewArgs(targets, 0, targets.length)), targets.length);
  }
  const pipeline = client.pipeline();
  const sizes: number[] = [];
  for (let from = 0; from < targets.length; from += RENEW_CHUNK) {
    const to = Math.min(targets.length, from + RENEW_CHUNK);
    queueScript(pipeline, RENEW_SCRIPT, renewArgs(targets, from, to));
    sizes.push(to - from);
  }
  const results: unknown = await pipeline.exec();
  if (!Array.isArray(results) || results.length !== sizes.length || !results.every((r) => Array.isArray(r))) {
    throw new Error(`unexpected reply to a pipeline of ${sizes.length} renew script call(s): ${describeReply(results)}`);
  }
  const pairs = results as Array<[unknown, unknown]>;
  const failed = pairs.find(([err]) => err);
  if (failed) throw failed[0];
  return pairs.flatMap(([, reply], i) => renewReplies(reply, sizes[i]!));
}
