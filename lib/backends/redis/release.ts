/**
 * Release: owner-checked delete, and the lock handed over to the head of the waiter queue when
 * there is one.
 */
import type { LockTarget } from '../../core/driver';
import { integerReply } from './client';
import { FENCE_LUA } from './acquire';
import { type LockKeys, RELEASE_CHANNEL_PREFIX } from './keys';
import { WAITER_STALE_ARG } from './waiters';
import { defineScript, type ScriptRunner } from './scripts';

/**
 * KEYS[1] lock key, KEYS[2] fencing counter, KEYS[3] waiter queue, KEYS[4] waiters' last-seen
 * times, KEYS[5] waiters' TTLs (the acquire script's keys); ARGV[1] token, ARGV[2] waiter
 * staleness in ms.
 * Returns 1 if the lock was ours and is deleted, else 0.
 *
 * - Deletes the key only if it holds our token (Python sherlock's rule). A key of another type
 *   is not ours (pcall turns WRONGTYPE into "not ours").
 * - With waiters queued (an uncontended cycle checks only that the queue is missing), the lock
 *   passes on to the head of the queue, after dropping waiters silent for ARGV[2] ms: if the
 *   head asked for a TTL, the script hands it the lock then and there (written with the head's
 *   token and TTL, a fencing token drawn) and PUBLISHes `<token> <fencing token>` on the lock's
 *   channel, so the waiter holds it without another round trip (see `server-grants.ts`). A head
 *   that asked for no expiry is not handed a lock it might never release (a crash would leave
 *   it held for good): the message is its token alone, and it takes the lock with its next
 *   attempt, as does any waiter that missed the message (its attempt finds the lock its own).
 *   The channel is built here from KEYS[1], which carries the client's keyPrefix like
 *   `releaseChannelOf` does.
 * - A token that does not hold the lock is a waiter giving up: it leaves the queue, and if the
 *   lock is free, it passes on to the new head the same way.
 * - A waiter that died in the last ARGV[2] ms can still be handed the lock: it is then held
 *   until its TTL runs out, as it would be had the waiter died just after taking it.
 */
export const RELEASE_SCRIPT = defineScript(
  'release',
  5,
  `if redis.replicate_commands then redis.replicate_commands() end
local KEY, QUEUE, SEEN, TTLS = KEYS[1], KEYS[3], KEYS[4], KEYS[5]
local CHANNEL = '${RELEASE_CHANNEL_PREFIX}' .. KEY
${FENCE_LUA}
local function passOn()
  local now = redis.call('TIME')
  local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  local stale = redis.call('ZRANGEBYSCORE', SEEN, '-inf', string.format('%.0f', nowMs - tonumber(ARGV[2])))
  for i = 1, #stale do
    redis.call('ZREM', QUEUE, stale[i])
    redis.call('ZREM', SEEN, stale[i])
    redis.call('HDEL', TTLS, stale[i])
  end
  local head = redis.call('ZRANGE', QUEUE, 0, 0)[1]
  if not head then return end
  local ttl = redis.call('HGET', TTLS, head)
  if ttl and ttl ~= '' then
    redis.call('SET', KEY, head, 'PX', ttl)
    local n = fence()
    if type(n) ~= 'table' then
      redis.call('ZREM', QUEUE, head)
      redis.call('ZREM', SEEN, head)
      redis.call('HDEL', TTLS, head)
      redis.call('PUBLISH', CHANNEL, head .. ' ' .. string.format('%.0f', n))
      return
    end
  end
  redis.call('PUBLISH', CHANNEL, head)
end
if redis.pcall('GET', KEY) == ARGV[1] then
  redis.call('DEL', KEY)
  if redis.call('EXISTS', QUEUE) == 1 then passOn() end
  return 1
end
if redis.call('ZREM', QUEUE, ARGV[1]) == 1 then
  redis.call('ZREM', SEEN, ARGV[1])
  redis.call('HDEL', TTLS, ARGV[1])
  if redis.call('EXISTS', KEY) == 0 then passOn() end
end
return 0`,
);

function releasedOf(reply: unknown): boolean {
  return integerReply(reply, 'the release script', 0, 1) === 1;
}

/** Deletes `target`'s lock if it still holds `target.token` (true if it did), and drops the token from the waiter queue. */
export function release(scripts: ScriptRunner, keys: LockKeys, target: LockTarget): Promise<boolean> {
  return scripts.run(RELEASE_SCRIPT, [keys.lock, keys.fence, keys.waiters, keys.seen, keys.ttls, target.token, WAITER_STALE_ARG], releasedOf);
}
