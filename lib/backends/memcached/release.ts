/**
 * Owner-checked release: compare-and-delete with memcached's CAS.
 *
 * Python sherlock, tooz and ShedLock release a memcached lock with GET then an unconditional
 * DELETE, so a holder whose lock expired in between deletes the next holder's lock. Here the
 * DELETE carries the CAS of the version whose value we checked, and the server refuses it
 * (status 0x0002) if the item changed in any way since, which makes GET + DELETE one atomic
 * compare-and-delete.
 *
 * The version our ADD stored is remembered (see `version.ts`): while it can be trusted, the
 * release is that one CAS-conditioned DELETE, with no GET, one round trip like an unchecked
 * delete. If the item changed since (an owner check is then needed) it falls back to GET +
 * DELETE.
 */
import type { LockTarget } from '../../core/driver';
import { MemcachedStatusError, Opcode, Status } from './protocol';
import { ifOwned, type CasOutcome } from './read';
import { send, type MemjsClient } from './send';
import { forgetVersion, trustedVersion } from './version';

/** Deletes the item at `key` only if its CAS is still `cas`. */
export async function deleteIfUnchanged(client: MemjsClient, key: string, cas: Buffer): Promise<CasOutcome> {
  const { status } = (await send(client, { opcode: Opcode.DELETE, key, cas })).header;
  if (status === Status.OK) return 'done';
  if (status === Status.KEY_EXISTS) return 'changed';
  if (status === Status.KEY_NOT_FOUND) return 'gone';
  throw new MemcachedStatusError(status, Opcode.DELETE, key);
}

/** Deletes the lock if it still holds `target.token`; true if it was ours and is now gone. */
export async function releaseLock(client: MemjsClient, target: LockTarget): Promise<boolean> {
  const known = trustedVersion(client, target);
  forgetVersion(target);
  if (known) {
    const outcome = await deleteIfUnchanged(client, target.key, known);
    if (outcome !== 'changed') return outcome === 'done';
  }
  return ifOwned(client, target, (cas) => deleteIfUnchanged(client, target.key, cas));
}
