/**
 * Acquire: create the lock key for our token if it is free, and draw a fencing token.
 */
import type { AcquireAttempt, LockTarget } from '../../core/driver';
import { integerReply, type IoRedisClient } from './client';
import { fenceKeyOf } from './keys';
import { defineScript, runScript, ttlArg } from './scripts';

/**
 * KEYS[1] lock key, KEYS[2] fencing counter; ARGV[1] token, ARGV[2] TTL in ms ('' = never).
 * Returns 0 when busy, else the new fencing token.
 *
 * - Busy means the key exists with another value. A key of another type (GET fails with
 *   WRONGTYPE) is also someone else's: Python sherlock's SETNX would fail on it too.
 * - A key that already holds our token is granted again: ioredis re-sends a command whose reply
 *   was lost in a reconnect, and the first run may have created the key.
 * - A missing counter starts at the server's time in microseconds (about 1.8e15 today, exact
 *   in a JS number until the year 2255), not at 0: a counter lost with a restart that kept no
 *   data (or a FLUSHALL) must not hand the next holder a token below one a stale holder may
 *   still present. Tokens stay increasing as long as a lock is granted less than once per
 *   microsecond on average and the server clock does not go back across the loss.
 * - The counter is incremented before the lock is written because a failed script keeps its
 *   earlier writes: if the counter is unusable, nothing is locked.
 * - A plain SET without PX drops any TTL, which is what `expire: null` means.
 * - `replicate_commands` lets Redis < 5 accept writes after TIME (a no-op on Redis 5+).
 */
export const ACQUIRE_SCRIPT = defineScript(
  'acquire',
  2,
  `local holder = redis.pcall('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 0 then
  if redis.replicate_commands then redis.replicate_commands() end
  local now = redis.call('TIME')
  redis.call('SET', KEYS[2], now[1] .. string.format('%06d', tonumber(now[2])))
end
local fence = redis.call('INCR', KEYS[2])
if ARGV[2] == '' then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return fence`,
);

/** One atomic acquire attempt for `target`. */
export async function acquire(client: IoRedisClient, target: LockTarget): Promise<AcquireAttempt> {
  const reply = await runScript(client, ACQUIRE_SCRIPT, [target.key, fenceKeyOf(target.key), target.token, ttlArg(target.expire)]);
  const fence = integerReply(reply, 'the acquire script', 0, Number.MAX_SAFE_INTEGER);
  return fence > 0 ? { acquired: true, fencingToken: fence } : { acquired: false };
}
