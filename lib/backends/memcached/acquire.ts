/**
 * Acquisition: ADD (create-if-absent, atomic on the server) of the owner token, exactly as
 * Python sherlock's memcached backend does, then a fencing token.
 */
import type { AcquireAttempt, LockTarget } from '../../core/driver';
import { serverExpiry } from './expiry';
import { nextFencingToken } from './fence';
import { MemcachedStatusError, Opcode, Status, storeExtras, TEXT_FLAGS } from './protocol';
import { send, type MemjsClient } from './send';

/** Creates the lock for `target.token` unless someone holds it. */
export async function tryAcquireLock(client: MemjsClient, target: LockTarget): Promise<AcquireAttempt> {
  const { key, token, expire } = target;
  const extras = storeExtras(TEXT_FLAGS, serverExpiry(expire));
  const { status } = (await send(client, { opcode: Opcode.ADD, key, extras, value: token })).header;
  if (status === Status.KEY_EXISTS) return { acquired: false };
  if (status !== Status.OK) throw new MemcachedStatusError(status, Opcode.ADD, key);
  // The counter moves only on a grant (a busy poll costs one request). If this increment
  // fails, the error reaches the core, which releases the lock we just created.
  return { acquired: true, fencingToken: await nextFencingToken(client, key) };
}
