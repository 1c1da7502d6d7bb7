/**
 * Owner-checked release: compare-and-delete with memcached's CAS.
 *
 * Python sherlock, tooz and ShedLock release a memcached lock with GET then an unconditional
 * DELETE, so a holder whose lock expired in between deletes the next holder's lock. Here the
 * DELETE carries the CAS of the version whose value we checked, and the server refuses it
 * (status 0x0002) if the item changed in any way since, which makes GET + DELETE one atomic
 * compare-and-delete.
 */
import type { LockTarget } from '../../core/driver';
import { MemcachedStatusError, Opcode, Status } from './protocol';
import { ifOwned, type CasOutcome } from './read';
import { send, type MemjsClient } from './send';

/** Deletes the item at `key` only if its CAS is still `cas`. */
export async function deleteIfUnchanged(client: MemjsClient, key: string, cas: Buffer): Promise<CasOutcome> {
  const { status } = (await send(client, { opcode: Opcode.DELETE, key, cas })).header;
  if (status === Status.OK) return 'done';
  if (status === Status.KEY_EXISTS) return 'changed';
  if (status === Status.KEY_NOT_FOUND) return 'gone';
  throw new MemcachedStatusError(status, Opcode.DELETE, key);
}

/** Deletes the lock if it still holds `target.token`; true if it was ours and is now gone. */
export function releaseLock(client: MemjsClient, target: LockTarget): Promise<boolean> {
  return ifOwned(client, target, (cas) => deleteIfUnchanged(client, target.key, cas));
}
