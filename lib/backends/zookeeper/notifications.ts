/**
 * Release and loss notifications: a one-shot ZooKeeper watch on a single node (our predecessor
 * while queued, our own node while holding) and the session's {@link Liveness}.
 */
import { Observable } from 'rxjs';
import type { LockTarget, ReleaseSignal } from '../../core/driver';
import { LockLostError } from '../../errors';
import type { ZkCalls } from './calls';
import type { Contender } from './contender';
import type { Liveness } from './liveness';

/** ZooKeeper's `NodeDeleted` event type. */
const NODE_DELETED = 2;

/**
 * `listening` once a watch is set on our predecessor, then `released` when it goes (or when
 * the session's locks are lost, so that the next attempt finds out). Only the predecessor is
 * watched, so a release wakes one waiter, not the whole queue. ZooKeeper watches fire once:
 * after every attempt that leaves us queued the watch is set again, on the new predecessor.
 */
export function watchReleases(calls: ZkCalls, liveness: Liveness, contender: Contender | undefined): Observable<ReleaseSignal> {
  return new Observable<ReleaseSignal>((subscriber) => {
    if (!contender) {
      subscriber.complete(); // nothing to watch: the core polls
      return undefined;
    }
    let generation = 0;
    let armedOn: string | undefined;
    let fired = true;
    let listening = false;
    const arm = (predecessor: string) => {
      const mine = ++generation;
      armedOn = predecessor;
      fired = false;
      const wake = () => {
        if (mine !== generation || fired) return;
        fired = true;
        subscriber.next('released');
      };
      calls.exists(predecessor, wake).then(
        (there) => {
          if (mine !== generation) return;
          if (!listening) {
            listening = true;
            subscriber.next('listening');
          }
          if (!there) wake();
        },
        (err: unknown) => {
          if (mine === generation) subscriber.error(err);
        },
      );
    };
    const offQueued = contender.onQueued((predecessor) => {
      // A watch that fired is spent; one on another node is no longer the right one.
      if (fired || predecessor !== armedOn) arm(predecessor);
    });
    const offLost = liveness.onLost(() => {
      generation++;
      subscriber.next('released');
    });
    const first = contender.predecessor;
    if (first !== undefined) arm(first);
    return () => {
      generation++;
      offQueued();
      offLost();
    };
  });
}

/**
 * Errors with `LockLostError` when the session's locks are lost (expiry, or silence past the
 * share of the session timeout) or our node is deleted by someone else.
 */
export function watchLoss(calls: ZkCalls, liveness: Liveness, target: LockTarget, contender: Contender | undefined): Observable<never> {
  return new Observable<never>((subscriber) => {
    const path = contender?.path;
    if (!contender || path === undefined) {
      subscriber.error(new LockLostError(`Lock "${target.name}" has no node on ZooKeeper.`, { lockName: target.name }));
      return undefined;
    }
    const lost = (why: string, cause?: unknown) =>
      subscriber.error(new LockLostError(`Lock "${target.name}" was lost: ${why}.`, { lockName: target.name, cause }));
    const offLost = liveness.onLost((err) => lost(err.message, err));
    let watching = true;
    const watch = () => {
      calls
        .exists(path, (event) => {
          if (!watching || contender.isLettingGo) return;
          if (event.getType() === NODE_DELETED) lost(`its ZooKeeper node ${path} was deleted`);
          else watch(); // another event (data changed): watches fire once, set it again
        })
        .then(
          (there) => {
            if (watching && !there && !contender.isLettingGo) lost(`its ZooKeeper node ${path} was deleted`);
          },
          // Not being able to watch is not a loss: the liveness and the renewals still tell.
          () => undefined,
        );
    };
    watch();
    return () => {
      watching = false;
      offLost();
    };
  });
}
