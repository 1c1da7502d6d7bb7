/**
 * Owner-checked renewal: compare-and-set with memcached's CAS.
 *
 * TOUCH cannot carry a CAS, so the renewal rewrites the same value with the new expiration
 * through a SET conditioned on the CAS of the version whose value we checked; the server
 * refuses it if the item changed since (see `release.ts`).
 */
import type { LockTarget } from '../../core/driver';
import { serverExpiry } from './expiry';
import { MemcachedStatusError, Opcode, Status, storeExtras, TEXT_FLAGS } from './protocol';
import { ifOwned, type CasOutcome } from './read';
import { send, type MemjsClient } from './send';

/** Rewrites the lock with a fresh expiration only if its CAS is still `cas`. */
export async function rewriteIfUnchanged(client: MemjsClient, target: LockTarget, cas: Buffer): Promise<CasOutcome> {
  const { key, token, expire } = target;
  const extras = storeExtras(TEXT_FLAGS, serverExpiry(expire));
  const { status } = (await send(client, { opcode: Opcode.SET, key, extras, value: token, cas })).header;
  if (status === Status.OK) return 'done';
  if (status === Status.KEY_EXISTS) return 'changed';
  if (status === Status.KEY_NOT_FOUND) return 'gone';
  throw new MemcachedStatusError(status, Opcode.SET, key);
}

/** Resets the lock's expiry to `target.expire` if it still holds `target.token`. */
export function renewLock(client: MemjsClient, target: LockTarget): Promise<boolean> {
  return ifOwned(client, target, (cas) => rewriteIfUnchanged(client, target, cas));
}
