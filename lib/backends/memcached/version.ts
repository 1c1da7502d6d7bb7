/**
 * The version (CAS) of the lock item this process last wrote for an acquisition, remembered so
 * that release and renewal can skip the GET that would otherwise find it.
 *
 * A CAS-conditioned request succeeds only on the exact version it names, and a memcached
 * process hands out every CAS once (one counter for all items): a DELETE or SET carrying the
 * CAS of the item our ADD (or our last renewal) stored can only hit that item, which holds our
 * token. The counter restarts with the process, though, so after a restart another owner's
 * item can carry the same number. A restart closes every connection, so the version is used
 * only on the very socket it was learnt on, while that socket is still the one memjs uses for
 * the key: any reconnect in between (restart, timeout, failover to another server) falls back
 * to GET + CAS-conditioned request. (A proxy that keeps client connections open across a
 * restart of the server behind it would defeat this check: see the README.)
 */
import type { Socket } from 'node:net';
import type { LockTarget } from '../../core/driver';
import { socketOf, type MemjsClient } from './send';

/** A stored version of a lock item and the connection it was learnt on. */
interface KnownVersion {
  readonly cas: Buffer;
  readonly socket: Socket;
}

/** Keyed by the acquisition's target, which the core passes unchanged to every call. */
const known = new WeakMap<LockTarget, KnownVersion>();

/**
 * Remembers that the item of `target` has version `cas`, written on `socket` (the socket memjs
 * used for the key when the request was sent). A zero CAS (memcached started with `-C`, no
 * CAS) is never remembered: a request with CAS 0 is unconditional.
 */
export function rememberVersion(target: LockTarget, cas: Buffer | undefined, socket: Socket | undefined): void {
  if (!socket || !cas || cas.length !== 8 || isZero(cas)) known.delete(target);
  // A copy: the header's CAS is a view into memjs's whole read buffer.
  else known.set(target, { cas: Buffer.from(cas), socket });
}

/** Forgets the version of `target` (it was released, or its item changed). */
export function forgetVersion(target: LockTarget): void {
  known.delete(target);
}

/**
 * The remembered version of `target`'s item if it can still be trusted: learnt on the socket
 * memjs still uses for the key, which is still open. Undefined otherwise.
 */
export function trustedVersion(client: MemjsClient, target: LockTarget): Buffer | undefined {
  const v = known.get(target);
  if (!v) return undefined;
  if (v.socket.destroyed || socketOf(client, target.key) !== v.socket) {
    known.delete(target);
    return undefined;
  }
  return v.cas;
}

function isZero(cas: Buffer): boolean {
  for (let i = 0; i < 8; i++) if (cas[i] !== 0) return false;
  return true;
}
