/**
 * The etcd baseline: one lease granted once per contender (outside the timed loop), then per
 * cycle one transaction "create the key on that lease if it does not exist" and one
 * "delete it if it still holds my token": two round trips, two raft writes.
 */
import { randomBytes } from 'node:crypto';
import type { Etcd3, Lease } from 'etcd3';
import type { Peer } from './peer';

/** Lease lifetime of the raw contender, in seconds (etcd3 keeps it alive meanwhile). */
const LEASE_TTL_S = 30;

export const rawEtcdPeer: Peer<Etcd3> = {
  name: 'raw etcd txn on one lease',
  id: 'raw-etcd',
  contender(client, key) {
    let lease: Lease | undefined;
    let token = '';
    return {
      async acquire() {
        lease ??= client.lease(LEASE_TTL_S);
        const candidate = randomBytes(16).toString('hex');
        const result = await client.if(key, 'Create', '==', 0).then(lease.put(key).value(candidate)).commit();
        if (!result.succeeded) return false;
        token = candidate;
        return true;
      },
      async release() {
        await client.if(key, 'Value', '==', token).then(client.delete().key(key)).commit();
      },
      async dispose() {
        await lease?.revoke();
      },
    };
  },
};
