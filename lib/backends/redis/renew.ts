/**
 * Extend: owner-checked reset of the expiry, one lock or many in one round trip.
 */
import type { LockTarget } from '../../core/driver';
import { describeReply, integerReply, isCluster, type IoRedisClient } from './client';
import { defineScript, queueScript, runScript, ttlArg } from './scripts';

/**
 * KEYS[1] lock key; ARGV[1] token, ARGV[2] TTL in ms ('' = never expires: PERSIST).
 * Returns 1 if the key still held our token and its expiry was reset, else 0.
 */
export const RENEW_SCRIPT = defineScript('renew',
  1,
  `if redis.pcall('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`,
);

function renewArgs(target: LockTarget): string[] {
  return [target.key, target.token, ttlArg(target.expire)];
}

/** Resets `target`'s expiry if the lock still holds `target.token`; true if it did. */
export async function renew(client: IoRedisClient, target: LockTarget): Promise<boolean> {
  return integerReply(await runScript(client, RENEW_SCRIPT, renewArgs(target)), 'the renew script', 0, 1) === 1;
}

/**
 * {@link renew} for many locks in one pipeline (one round trip). On a Cluster the keys live in
 * different slots, which one pipeline cannot span, so each lock is extended on its own (the
 * requests still go out together). Rejects with the first error if any entry failed: a
 * script error means a connection or server problem, since the script tolerates foreign keys.
 */
export async function renewMany(client: IoRedisClient, targets: readonly LockTarget[]): Promise<boolean[]> {
  if (targets.length === 0) return [];
  if (isCluster(client)) return Promise.all(targets.map((t) => renew(client, t)));
  const pipeline = client.pipeline();
  for (const t of targets) queueScript(pipeline, RENEW_SCRIPT, renewArgs(t));
  const results: unknown = await pipeline.exec();
  if (!Array.isArray(results) || results.length !== targets.length || !results.every((r) => Array.isArray(r))) {
    throw new Error(`unexpected reply to a pipeline of ${targets.length} renew script(s): ${describeReply(results)}`);
  }
  const pairs = results as Array<[unknown, unknown]>;
  const failed = pairs.find(([err]) => err);
  if (failed) throw failed[0];
  return pairs.map(([, reply]) => integerReply(reply, 'the renew script', 0, 1) === 1);
}
