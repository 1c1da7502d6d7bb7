/**
 * Reading a lock item, and the owner check every conditional change starts from.
 */
import type { LockTarget } from '../../core/driver';
import { MemcachedStatusError, Opcode, Status } from './protocol';
import { send, type MemjsClient } from './send';

/** A lock item as stored: its raw value, flags and the CAS that identifies this version. */
export interface Item {
  readonly value: Buffer;
  readonly flags: number;
  readonly cas: Buffer;
}

/** The item at `key`, or null when there is none (absent, expired or evicted). */
export async function readItem(client: MemjsClient, key: string): Promise<Item | null> {
  const response = await send(client, { opcode: Opcode.GET, key });
  const { status, cas } = response.header;
  if (status === Status.KEY_NOT_FOUND) return null;
  if (status !== Status.OK) throw new MemcachedStatusError(status, Opcode.GET, key);
  const flags = response.extras.length >= 4 ? response.extras.readUInt32BE(0) : 0;
  return { value: response.val, flags, cas };
}

/**
 * The CAS of the lock item if it holds `target.token`, else null. The value is compared as
 * bytes, whatever its flags, so a value written by Python sherlock (or any client) is simply
 * "someone else's".
 */
export async function readOwnedCas(client: MemjsClient, target: LockTarget): Promise<Buffer | null> {
  const item = await readItem(client, target.key);
  if (!item || !item.value.equals(Buffer.from(target.token, 'utf8'))) return null;
  return item.cas;
}

/** Outcome of a change conditioned on a CAS. */
export type CasOutcome = 'done' | 'changed' | 'gone';

/** How many CAS conflicts {@link ifOwned} absorbs before giving up. */
const MAX_CAS_CONFLICTS = 5;

/**
 * Runs `change` with the CAS of the version of the lock that holds our token, atomically:
 * the server applies a CAS-conditioned request only if the item is still exactly the version
 * we read, so a change by anyone between our GET and `change` makes it fail ('changed')
 * rather than hit the other owner's lock. Resolves true when `change` was applied, false when
 * the lock is not ours (absent or another owner's).
 *
 * A conflict means the item changed after our GET; it may still be ours (our own renewal
 * raced this request), so the owner check is repeated on the new version.
 */
export async function ifOwned(
  client: MemjsClient,
  target: LockTarget,
  change: (cas: Buffer) => Promise<CasOutcome>,
): Promise<boolean> {
  for (let conflicts = 0; conflicts < MAX_CAS_CONFLICTS; conflicts++) {
    const cas = await readOwnedCas(client, target);
    if (!cas) return false;
    const outcome = await change(cas);
    if (outcome === 'done') return true;
    if (outcome === 'gone') return false;
  }
  throw new Error(`lock item ${JSON.stringify(target.key)} kept changing: ${MAX_CAS_CONFLICTS} CAS conflicts in a row`);
}
