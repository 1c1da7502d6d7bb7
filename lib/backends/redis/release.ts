/**
 * Release: owner-checked delete, and a wake-up for the waiters.
 */
import type { LockTarget } from '../../core/driver';
import type { IoRedisClient } from './client';
import { integerReply, keyPrefixOf } from './client';
import { releaseChannelOf } from './keys';
import { defineScript, runScript } from './scripts';

/**
 * KEYS[1] lock key; ARGV[1] token, ARGV[2] release channel. Deletes the key only if it holds
 * our token (Python sherlock's rule), then publishes so that waiters retry at once. Returns 1
 * if deleted, else 0. A key of another type is not ours (pcall turns WRONGTYPE into "not ours").
 */
export const RELEASE_SCRIPT = defineScript(
  'release',
  1,
  `if redis.pcall('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], '1')
return 1`,
);

/** Deletes `target`'s lock if it still holds `target.token`; true if it did. */
export async function release(client: IoRedisClient, target: LockTarget): Promise<boolean> {
  const channel = releaseChannelOf(keyPrefixOf(client), target.key);
  return integerReply(await runScript(client, RELEASE_SCRIPT, [target.key, target.token, channel]), 'the release script', 0, 1) === 1;
}
