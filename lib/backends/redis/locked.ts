/**
 * Locked: "the key exists", as in Python sherlock.
 */
import { integerReply, type IoRedisClient } from './client';

/** Whether anyone (us, another process, Python sherlock) holds the lock at `key`. */
export async function isLocked(client: IoRedisClient, key: string): Promise<boolean> {
  return integerReply(await client.exists(key), 'EXISTS', 0, Number.MAX_SAFE_INTEGER) > 0;
}
