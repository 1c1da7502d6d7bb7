/**
 * etcd3's own `Lock` helper: each acquire grants a fresh lease and creates the key in a
 * transaction; release revokes the lease. It does not wait: a busy lock rejects at once.
 */
import type { Etcd3 } from 'etcd3';
import type { Peer } from './peer';

/**
 * Lease TTL of each grant, in seconds. It does not change the cost of a cycle. It is short
 * because etcd3 1.1.2 re-arms a keepalive timeout of one TTL when a keepalive reply arrives
 * after the lease was revoked, and that timer is referenced: with the default TTL (30 s) it
 * kept the bench process alive for 30 s after the end.
 */
const LEASE_TTL_S = 1;

export const etcd3LockPeer: Peer<Etcd3> = {
  name: 'etcd3 Lock',
  id: 'etcd3-lock',
  contender(client, key) {
    const lock = client.lock(key).ttl(LEASE_TTL_S);
    return {
      async acquire() {
        try {
          await lock.acquire();
          return true;
        } catch {
          return false; // EtcdLockFailedError: held elsewhere
        }
      },
      release: () => lock.release(),
    };
  },
};
