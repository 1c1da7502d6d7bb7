/**
 * Makes a one-attempt peer wait by retrying at once until it gets the lock or the signal
 * aborts: how a caller waits with a lock API that does not (etcd3's `Lock`, the raw etcd
 * transaction). The fastest such a caller can notice a release, paid in server load.
 */
import type { Peer } from './peer';

/** `peer` retried back to back, as `<name>, spinning` / `<id>-spin`. */
export function spinning<C>(peer: Peer<C>): Peer<C> {
  return {
    name: `${peer.name}, spinning`,
    id: `${peer.id}-spin`,
    contender(client, key) {
      const inner = peer.contender(client, key);
      return {
        async acquire(signal) {
          while (!signal?.aborted) {
            if (await inner.acquire(signal)) return true;
          }
          return false;
        },
        release: () => inner.release(),
        dispose: inner.dispose?.bind(inner),
      };
    },
  };
}
