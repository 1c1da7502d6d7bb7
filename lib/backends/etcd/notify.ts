/**
 * Release and loss notifications, from the lock's shared prefix watch and the session lease.
 */
import { Observable } from 'rxjs';
import { debug } from '../../core/debug';
import { LockLostError } from '../../errors';
import type { LockTarget, ReleaseSignal } from '../../core/driver';
import { isContenderOf } from './keys';
import { CLIENT_SETTLE_LIMIT_MS, LOSS_WATCH_DELAY_MS, callOptions, settleWithin } from './settings';
import type { Contender, EtcdState } from './state';

/**
 * `listening` once the watch is connected, then `released` whenever a contender key created
 * before ours (or ours) is deleted (only those can be in our way; FIFO), or after a reconnect.
 */
export function watchReleases(state: EtcdState, target: LockTarget): Observable<ReleaseSignal> {
  return new Observable<ReleaseSignal>((subscriber) => {
    let armed = false;
    // A client that cannot watch (it only looks like etcd3) makes the waiter poll instead.
    return state.watches.subscribe(target.key, {
      connected: () => {
        subscriber.next(armed ? 'released' : 'listening');
        armed = true;
      },
      deleted: (key, createRevision) => {
        if (!isContenderOf(target.key, key)) return;
        // Keys created after ours are never in our way. Our own key going (its lease expired,
        // or an operator deleted it) does wake us: the next attempt queues again.
        const ours = state.contenders.get(target.token)?.createRevision;
        if (ours !== undefined && createRevision !== undefined && createRevision > BigInt(ours)) return;
        subscriber.next('released');
      },
    });
  });
}

/**
 * Errors with `LockLostError` when the session lease is lost (every lock on it is gone) or our
 * key is deleted by someone else. The key watch joins the lock's watch at once if there is one,
 * else starts after {@link LOSS_WATCH_DELAY_MS} (see there why).
 */
export function watchLoss(state: EtcdState, target: LockTarget): Observable<never> {
  return new Observable<never>((subscriber) => {
    const contender = state.contenders.get(target.token);
    if (!contender) {
      subscriber.error(new LockLostError(`Lock "${target.name}" has no key on etcd.`, { lockName: target.name }));
      return undefined;
    }
    const lost = (why: string, cause?: unknown) =>
      subscriber.error(new LockLostError(`Lock "${target.name}" was lost: ${why}.`, { lockName: target.name, cause }));
    const offLease = contender.session.onLost((err) => lost(err.message, err));

    let offWatch: (() => void) | undefined;
    const watchKey = (confirmOnConnect: boolean) => {
      offWatch = state.watches.subscribe(target.key, {
        connected: () => {
          if (!confirmOnConnect) return;
          confirmOnConnect = false;
          // A deletion before the watch was armed went unseen: look once.
          void keyStillOurs(state, contender).then((ours) => {
            if (!ours && !contender.releasing) lost(`its etcd key "${contender.key}" was deleted`);
          });
        },
        deleted: (key, createRevision) => {
          if (key !== contender.key || contender.releasing) return;
          if (createRevision !== undefined && String(createRevision) !== contender.createRevision) return;
          lost(`its etcd key "${key}" was deleted`);
        },
      });
    };
    let delayed: NodeJS.Timeout | undefined;
    if (state.watches.isWatching(target.key)) {
      watchKey(!state.watches.isConnected(target.key));
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

/** Whether our key still exists as we created it; true when etcd cannot be asked (loss is then the deadline's call). */
async function keyStillOurs(state: EtcdState, contender: Contender): Promise<boolean> {
  try {
    const res = await settleWithin(state.client.get(contender.key).options(callOptions()).exec(), CLIENT_SETTLE_LIMIT_MS, 'a read');
    return res.kvs[0]?.create_revision === contender.createRevision;
  } catch {
    return true;
  }
}
