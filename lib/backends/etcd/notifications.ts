/**
 * Loss notifications of a held lock, from the lock's shared prefix watch and the session lease.
 * (A waiter's release notifications watch one key: see `predecessor-watch.ts`.)
 */
import type { Namespace } from 'etcd3';
import { Observable } from 'rxjs';
import { debug } from '../../core/debug';
import { LockLostError } from '../../errors';
import type { LockTarget } from '../../core/driver';
import type { Contender } from './contender';
import { revision } from './keys';
import type { PrefixWatches } from './prefix-watches';
import { CLIENT_SETTLE_LIMIT_MS, LOSS_WATCH_DELAY_MS, callOptions, settleWithin } from './settings';

/**
 * Errors with `LockLostError` when the session lease of `contender` is lost (every lock on it
 * is gone) or its key is deleted by someone else. The key watch joins the lock's watch at once
 * if there is one, else starts after {@link LOSS_WATCH_DELAY_MS} (see there why).
 */
export function watchLoss(
  client: Namespace,
  watches: PrefixWatches,
  target: LockTarget,
  contender: Contender | undefined,
): Observable<never> {
  return new Observable<never>((subscriber) => {
    if (!contender) {
      subscriber.error(new LockLostError(`Lock "${target.name}" has no key on etcd.`, { lockName: target.name }));
      return undefined;
    }
    const lost = (why: string, cause?: unknown) =>
      subscriber.error(new LockLostError(`Lock "${target.name}" was lost: ${why}.`, { lockName: target.name, cause }));
    const offLease = contender.session.onLost((err) => lost(err.message, err));
    const key = contender.key;
    const createRevision = contender.createRevision;

    let offWatch: (() => void) | undefined;
    const watchKey = (confirmOnConnect: boolean) => {
      offWatch = watches.subscribe(target.key, {
        connected: () => {
          if (!confirmOnConnect) return;
          confirmOnConnect = false;
          // A deletion before the watch was armed went unseen: look once.
          void keyStillThere(client, key, createRevision).then((there) => {
            if (!there && !contender.isLettingGo) lost(`its etcd key "${key}" was deleted`);
          });
        },
        deleted: (deleted, deletedRevision) => {
          if (deleted !== key || contender.isLettingGo) return;
          if (deletedRevision !== undefined && deletedRevision !== createRevision) return;
          lost(`its etcd key "${deleted}" was deleted`);
        },
      });
    };
    let delayed: NodeJS.Timeout | undefined;
    if (watches.isWatching(target.key)) {
      watchKey(!watches.isConnected(target.key));
    } else {
      delayed = setTimeout(() => {
        delayed = undefined;
        // In a timer, a throw would be an uncaught exception; the lease loss still reports.
        try {
          watchKey(true);
        } catch (err) {
          debug('etcd: cannot watch %s for loss: %s', target.key, err);
        }
      }, LOSS_WATCH_DELAY_MS);
      delayed.unref();
    }
    return () => {
      if (delayed) clearTimeout(delayed);
      offLease();
      offWatch?.();
    };
  });
}

/**
 * Whether `key` still exists as created at `createRevision`; true when etcd cannot be asked
 * (loss is then the deadline's call).
 */
async function keyStillThere(client: Namespace, key: string | undefined, createRevision: bigint | undefined): Promise<boolean> {
  if (key === undefined) return false;
  try {
    const res = await settleWithin(client.get(key).options(callOptions()).exec(), CLIENT_SETTLE_LIMIT_MS, 'a read');
    const kv = res.kvs[0];
    return kv !== undefined && revision(kv.create_revision) === createRevision;
  } catch {
    return true;
  }
}
