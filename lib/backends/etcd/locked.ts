/**
 * Whether a lock is held: it is as soon as any contender key exists directly under `P/`
 * (the one with the lowest create revision is the holder).
 */
import { isContenderOf, waitersPrefix } from './keys';
import { callOptions } from './settings';
import type { EtcdState } from './state';

/** `LockDriver.isLocked` on etcd for lock prefix `prefix`. */
export async function isLocked(state: EtcdState, prefix: string): Promise<boolean> {
  const keys = await state.gate.run(prefix, () => state.client.getAll().prefix(waitersPrefix(prefix)).options(callOptions()).keys());
  return keys.some((key) => isContenderOf(prefix, key));
}
