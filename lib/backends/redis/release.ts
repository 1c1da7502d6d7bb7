/**
 * Release: owner-checked delete, and a wake-up for the waiters when there are any.
 */
import type { LockTarget } from '../../core/driver';
import { integerReply } from './client';
import { type LockKeys, RELEASE_CHANNEL_PREFIX } from './keys';
import { defineScript, type ScriptRunner } from './scripts';

/**
 * KEYS[1] lock key, KEYS[2] waiter queue, KEYS[3] waiters' last-seen times; ARGV[1] token.
 * Returns 1 if the lock was ours and is deleted, else 0.
 *
 * - Deletes the key only if it holds our token (Python sherlock's rule). A key of another type
 *   is not ours (pcall turns WRONGTYPE into "not ours").
 * - PUBLISHes on the lock's channel only when the queue is not empty: an uncontended cycle
 *   costs no PUBLISH, and every sherlock-rx waiter is in the queue. The message is the token
 *   at the head of the queue, the only waiter the acquire script will grant a free lock to, so
 *   only that waiter retries (the others keep polling). The queue is checked with EXISTS
 *   before it is read: on the uncontended path the queue is missing, and EXISTS costs the
 *   server less than a ZRANGE building an empty reply. The channel is built here from
 *   KEYS[1], which carries the client's keyPrefix like `releaseChannelOf` does.
 * - A token that does not hold the lock is a waiter giving up: it leaves the queue, and if the
 *   lock is free, the new head is woken so that it takes it at once.
 */
export const RELEASE_SCRIPT = defineScript(
  'release',
  3,
  `if redis.pcall('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if redis.call('EXISTS', KEYS[2]) == 1 then
    redis.call('PUBLISH', '${RELEASE_CHANNEL_PREFIX}' .. KEYS[1], redis.call('ZRANGE', KEYS[2], 0, 0)[1])
  end
  return 1
end
if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then
  redis.call('ZREM', KEYS[3], ARGV[1])
  if redis.call('EXISTS', KEYS[1]) == 0 then
    local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
    if head then redis.call('PUBLISH', '${RELEASE_CHANNEL_PREFIX}' .. KEYS[1], head) end
  end
end
return 0`,
);

function releasedOf(reply: unknown): boolean {
  return integerReply(reply, 'the release script', 0, 1) === 1;
}

/** Deletes `target`'s lock if it still holds `target.token` (true if it did), and drops the token from the waiter queue. */
export function release(scripts: ScriptRunner, keys: LockKeys, target: LockTarget): Promise<boolean> {
  return scripts.run(RELEASE_SCRIPT, [keys.lock, keys.waiters, keys.seen, target.token], releasedOf);
}
