/**
 * Owner-checked renewal: compare-and-set with memcached's CAS.
 *
 * TOUCH cannot carry a CAS, so the renewal rewrites the same value with the new expiration
 * through a SET conditioned on the CAS of the version whose value we checked; the server
 * refuses it if the item changed since (see `release.ts`). As for the release, a remembered
 * version (see `version.ts`) saves the GET while it can be trusted; each renewal remembers the
 * version it stored.
 */
import type { LockTarget } from '../../core/driver';
import { serverExpiry } from './expiry';
import { MemcachedStatusError, Opcode, Status, storeExtras, TEXT_FLAGS } from './protocol';
import { ifOwned, type CasOutcome } from './read';
import { send, socketOf, type MemjsClient } from './send';
import { forgetVersion, rememberVersion, trustedVersion } from './version';

/**
 * Rewrites the lock with a fresh expiration only if its CAS is still `cas`; on success the
 * version stored is remembered for the next renewal or the release.
 */
export async function rewriteIfUnchanged(client: MemjsClient, target: LockTarget, cas: Buffer): Promise<CasOutcome> {
  const { key, token, expire } = target;
  const extras = storeExtras(TEXT_FLAGS, serverExpiry(expire));
  const sent = send(client, { opcode: Opcode.SET, key, extras, value: token, cas });
  // The socket the SET is written on (see `acquire.ts`).
  const socket = socketOf(client, key);
  const { status, cas: stored } = (await sent).header;
  if (status === Status.OK) {
    rememberVersion(target, stored, socket);
    return 'done';
  }
  if (status === Status.KEY_EXISTS) return 'changed';
  if (status === Status.KEY_NOT_FOUND) return 'gone';
  throw new MemcachedStatusError(status, Opcode.SET, key);
}

/** Resets the lock's expiry to `target.expire` if it still holds `target.token`. */
export async function renewLock(client: MemjsClient, target: LockTarget): Promise<boolean> {
  const known = trustedVersion(client, target);
  if (known) {
    const outcome = await rewriteIfUnchanged(client, target, known);
    if (outcome !== 'changed') return outcome === 'done';
  }
  forgetVersion(target);
  return ifOwned(client, target, (cas) => rewriteIfUnchanged(client, target, cas));
}
