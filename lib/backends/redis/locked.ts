/**
 * Locked: "the key exists", as in Python sherlock.
 */
import type { RedisClient } from './client';

/** Whether anyone (us, another process, Python sherlock) holds the lock at `key`. */
export async function isLocked(client: RedisClient, key: string): Promise<boolean> {
  return (await client.exists(key)) > 0;
}
