/**
 * Deleting our contender key, owner-checked in one transaction: the key is deleted only while
 * it is still attached to our lease (a key of the same name can only be ours while we hold its
 * name, see `Session.reserveKey`).
 */
import type { LockTarget } from '../driver';
import { callOptions } from './settings';
import { forgetContender, type EtcdState } from './state';

/** `LockDriver.release` on etcd: resolves true if our key was there and is now deleted. */
export async function release(state: EtcdState, target: LockTarget): Promise<boolean> {
  const contender = state.contenders.get(target.token);
  if (!contender) return false;
  const lease = contender.session.grantedOrUndefined;
  if (!lease) {
    // The lease was never granted, so no key was ever written.
    forgetContender(state, contender);
    return false;
  }
  contender.releasing = true;
  const { client } = state;
  let res;
  try {
    res = await client
      .if(contender.key, 'Lease', '==', lease.id)
      .then(client.delete().key(contender.key))
      .options(callOptions())
      .commit();
  } catch (err) {
    // The key may still be there: stop giving this lease to new contenders and let it go (revoke,
    // or expiry after its TTL) once its last contender leaves, so the key cannot block forever.
    state.sessions.retire(contender.session);
    forgetContender(state, contender);
    throw err;
  }
  forgetContender(state, contender);
  return res.succeeded && Number(res.responses[0]?.response_delete_range.deleted ?? 0) > 0;
}
