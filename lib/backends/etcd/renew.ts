/**
 * Renewal on etcd: the session keepalive extends the lease of every key on it, so renewing a
 * lock only checks that our key still exists (not deleted, lease not expired).
 */
import type { LockTarget } from '../../core/driver';
import { callOptions } from './settings';
import type { EtcdState } from './state';

/** `LockDriver.renew` on etcd: resolves true while our key exists as we created it. */
export async function renew(state: EtcdState, target: LockTarget): Promise<boolean> {
  const contender = state.contenders.get(target.token);
  if (!contender || contender.createRevision === undefined || contender.session.isLost) return false;
  const res = await state.gate.run(contender.prefix, () => state.client.get(contender.key).options(callOptions()).exec());
  const kv = res.kvs[0];
  return kv !== undefined && kv.create_revision === contender.createRevision;
}
