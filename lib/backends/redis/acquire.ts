/**
 * Acquire: create the lock key for our token if it is free and nobody waits before us, and
 * draw a fencing token, in one script call.
 */
import type { AcquireAttempt, LockTarget } from '../../core/driver';
import { monotonicNow } from '../../core/clock';
import { integerReply } from './client';
import type { LockKeys } from './keys';
import { defineScript, type ScriptRunner, ttlArg } from './scripts';
import type { ServerGrants } from './server-grants';
import { WAITER_STALE_ARG } from './waiters';

/**
 * Lua: `fence()` draws the next fencing token from the counter KEYS[2] for the lock KEYS[1]
 * just written (shared by the acquire and the release script, which hands locks over).
 *
 * - A missing counter starts at the server's time in microseconds (about 1.8e15 today, exact
 *   in a JS number until the year 2255), not at 0: a counter lost with a restart that kept no
 *   data (or a FLUSHALL) must not hand the next holder a token below one a stale holder may
 *   still present. INCR answering 1 is how a missing counter shows.
 * - If the counter cannot be incremented (not an integer), the lock just written is deleted
 *   again and the error is returned: a failed script keeps its earlier writes.
 * - Times are formatted with string.format: Lua numbers passed to redis.call keep only 14
 *   significant digits.
 */
export const FENCE_LUA = `local function fence()
  local n = redis.pcall('INCR', KEYS[2])
  if type(n) == 'table' then
    redis.call('DEL', KEYS[1])
    return n
  end
  if n == 1 then
    local now = redis.call('TIME')
    redis.call('SET', KEYS[2], now[1] .. string.format('%06d', tonumber(now[2])))
    n = redis.call('INCR', KEYS[2])
  end
  return n
end`;

/**
 * KEYS[1] lock key, KEYS[2] fencing counter, KEYS[3] waiter queue, KEYS[4] waiters' last-seen
 * times, KEYS[5] waiters' TTLs; ARGV[1] token, ARGV[2] TTL in ms ('' = never), ARGV[3] waiter
 * staleness in ms. Returns the new fencing token when granted; when busy (the token then waits
 * in the queue) 0 or less: minus the fencing counter as it stands (see `server-grants.ts`).
 *
 * - Fast path (no queue): `SET NX` then `INCR`, the fewest commands a fenced lock can take.
 *   A key of any type blocks `SET NX`, as it blocks Python sherlock's `SETNX`.
 * - A key that already holds our token is granted again: ioredis re-sends a command whose reply
 *   was lost in a reconnect, and the first run may have created the key.
 * - With waiters queued, a free lock goes only to the head of the queue; everyone else (the
 *   releaser asking again at once included) joins the back. Each attempt refreshes the
 *   waiter's last-seen time, and waiters silent for ARGV[3] ms are dropped first, so a dead
 *   waiter cannot hold a free lock back. Both queue keys expire after ARGV[3] ms of silence.
 * - A waiter's TTL is kept in KEYS[5], so that a release can hand it the lock (`release.ts`).
 * - The fencing token: see {@link FENCE_LUA}.
 * - A plain SET without PX drops any TTL, which is what `expire: null` means.
 * - `replicate_commands` lets Redis < 5 accept writes after TIME (a no-op on Redis 5+).
 */
export const ACQUIRE_SCRIPT = defineScript(
  'acquire',
  5,
  `if redis.replicate_commands then redis.replicate_commands() end
${FENCE_LUA}
local function take()
  if ARGV[2] == '' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
  return fence()
end
if redis.call('EXISTS', KEYS[3]) == 0 then
  local ok
  if ARGV[2] == '' then ok = redis.call('SET', KEYS[1], ARGV[1], 'NX') else ok = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) end
  if ok then return fence() end
end
local holder = redis.pcall('GET', KEYS[1])
if holder == ARGV[1] then return take() end
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local stale = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', string.format('%.0f', nowMs - tonumber(ARGV[3])))
for i = 1, #stale do
  redis.call('ZREM', KEYS[3], stale[i])
  redis.call('ZREM', KEYS[4], stale[i])
  redis.call('HDEL', KEYS[5], stale[i])
end
if not holder then
  local head = redis.call('ZRANGE', KEYS[3], 0, 0)[1]
  if head == nil or head == ARGV[1] then
    if head then
      redis.call('ZREM', KEYS[3], ARGV[1])
      redis.call('ZREM', KEYS[4], ARGV[1])
      redis.call('HDEL', KEYS[5], ARGV[1])
    end
    return take()
  end
end
redis.call('ZADD', KEYS[3], 'NX', now[1] .. string.format('%06d', tonumber(now[2])), ARGV[1])
redis.call('ZADD', KEYS[4], string.format('%.0f', nowMs), ARGV[1])
redis.call('HSET', KEYS[5], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
redis.call('PEXPIRE', KEYS[4], ARGV[3])
redis.call('PEXPIRE', KEYS[5], ARGV[3])
return -(tonumber(redis.pcall('GET', KEYS[2])) or 0)`,
);

const BUSY: AcquireAttempt = Object.freeze({ acquired: false, queued: true });

/**
 * One atomic acquire attempt for `target`; a busy answer leaves the token in the waiter queue
 * and is recorded in `grants`, so that a handover announced later can be used (see {@link ServerGrants}).
 */
export function acquire(scripts: ScriptRunner, keys: LockKeys, target: LockTarget, grants: ServerGrants): Promise<AcquireAttempt> {
  const sentAt = monotonicNow();
  return scripts.run(
    ACQUIRE_SCRIPT,
    [keys.lock, keys.fence, keys.waiters, keys.seen, keys.ttls, target.token, ttlArg(target.expire), WAITER_STALE_ARG],
    (reply) => {
      const fence = integerReply(reply, 'the acquire script', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      if (fence > 0) {
        grants.forget(target.token);
        return { acquired: true, fencingToken: fence };
      }
      grants.busy(target.token, sentAt, -fence);
      return BUSY;
    },
  );
}

