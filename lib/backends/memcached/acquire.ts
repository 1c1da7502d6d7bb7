/**
 * Acquisition: ADD (create-if-absent, atomic on the server) of the owner token, exactly as
 * Python sherlock's memcached backend does, then a fencing token.
 */
import type { Response } from 'memjs';
import type { AcquireAttempt, LockTarget } from '../../core/driver';
import { serverExpiry } from './expiry';
import { fenceKeyOf } from './key';
import { fenceRequest, fencingTokenOf } from './fence';
import { MemcachedStatusError, Opcode, Status, storeExtras, TEXT_FLAGS, type Request } from './protocol';
import { sameServer, send, sendTogether, socketOf, type MemjsClient } from './send';
import { rememberVersion } from './version';

/** Acquisitions that have made their first attempt (the core passes the same target to each). */
const attempted = new WeakSet<LockTarget>();

/**
 * Creates the lock for `target.token` unless someone holds it.
 *
 * The first attempt of an acquisition sends the fencing increment in the same flight as the
 * ADD (one round trip; an uncontended lock is usually granted at the first attempt). The
 * server runs the two in order on one connection, so the increment always follows the ADD
 * and a grant's token is above every earlier grant's (whose increment preceded its release,
 * which preceded our ADD). If the ADD finds the lock busy, that increment was wasted: the
 * counter moves once per contended acquisition. Later attempts (polls of a busy lock) send
 * the ADD alone and increment only on a grant, so waiting costs one request per poll. When the
 * counter lives on another server than the lock (memjs hashes keys over several servers), the
 * two travel on different connections with no order between them: the increment is then
 * always sent after the ADD's answer.
 */
export async function tryAcquireLock(client: MemjsClient, target: LockTarget): Promise<AcquireAttempt> {
  const { key, token, expire } = target;
  const add: Request = { opcode: Opcode.ADD, key, extras: storeExtras(TEXT_FLAGS, serverExpiry(expire)), value: token };
  if (!attempted.has(target) && sameServer(client, key, fenceKeyOf(key))) {
    attempted.add(target);
    const [added, fenced] = sendTogether(client, [add, fenceRequest(key)]);
    const socket = socketOf(client, key);
    // Awaited below only on a grant: never an unhandled rejection otherwise.
    fenced.catch(ignore);
    if (!granted(await added, target, socket)) return { acquired: false };
    return { acquired: true, fencingToken: fencingTokenOf(await fenced, key) };
  }
  attempted.add(target);
  const added = send(client, add);
  const socket = socketOf(client, key);
  if (!granted(await added, target, socket)) return { acquired: false };
  // If this increment fails, the error reaches the core, which releases the lock we just created.
  return { acquired: true, fencingToken: fencingTokenOf(await send(client, fenceRequest(key)), key) };
}

/**
 * Whether the ADD created the lock (remembering the stored version if so); throws on an
 * unexpected status. `socket` is the one memjs held for the key right after the ADD was handed
 * to it: the ADD is written on it, at once or once it connects (memjs creates it in that call).
 */
function granted(response: Response, target: LockTarget, socket: ReturnType<typeof socketOf>): boolean {
  const { status, cas } = response.header;
  if (status === Status.KEY_EXISTS) return false;
  if (status !== Status.OK) throw new MemcachedStatusError(status, Opcode.ADD, target.key);
  rememberVersion(target, cas, socket);
  return true;
}

function ignore(): void {}
