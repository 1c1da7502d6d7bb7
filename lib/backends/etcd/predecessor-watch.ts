/**
 * A waiter's wake-up: a watch on the one key just ahead of it in the lock's queue (Go's
 * `concurrency.Mutex` `waitDeletes`), so that a release wakes the next waiter only, not every
 * waiter of the lock. Measured with 8 contenders on their own clients, the prefix watch this
 * replaces made each release cost one queue read per waiter.
 */
import type { IKeyValue, Namespace, Watcher } from 'etcd3';
import { Observable } from 'rxjs';
import { debug } from '../../core/debug';
import type { ReleaseSignal } from '../../core/driver';
import type { Contender, Predecessor } from './contender';
import type { WatchStreamHold } from './watch-stream-hold';

/** Delay before a waiter whose watch etcd cancelled (e.g. its start revision was compacted) looks again (ms). */
const REWATCH_DELAY_MS = 100;

/** What a {@link KeyDeletionWatch} reports. */
interface DeletionListener {
  /** Connected, or connected again after a disconnection (etcd3 resumes where it was). */
  connected(): void;
  /** Reconnecting: a deletion meanwhile is reported once connected again. */
  disconnected(): void;
  /** The key was deleted (the watch has stopped). */
  deleted(): void;
  /** etcd cancelled the watch (e.g. its start revision was compacted); the watch has stopped. */
  failed(err: unknown): void;
}

/** One etcd watch for the first deletion of a key from a revision on. */
class KeyDeletionWatch {
  private watcher: Watcher | undefined;

  constructor(client: Namespace, key: string, fromRevision: bigint, listener: DeletionListener) {
    const watcher = client.watch().key(key).only('delete').startRevision(String(fromRevision)).watcher();
    this.watcher = watcher;
    watcher.on('connected', () => {
      if (this.watcher === watcher) listener.connected();
    });
    watcher.on('disconnected', () => {
      if (this.watcher === watcher) listener.disconnected();
    });
    watcher.on('delete', (_kv: IKeyValue) => {
      if (this.watcher !== watcher) return;
      this.stop();
      listener.deleted();
    });
    watcher.on('error', (err: unknown) => {
      if (this.watcher !== watcher) return;
      // etcd3 already dropped it: cancelling it again would wait for an answer that never comes.
      this.watcher = undefined;
      listener.failed(err);
    });
  }

  stop(): void {
    const watcher = this.watcher;
    this.watcher = undefined;
    if (!watcher) return;
    // Through a promise: etcd3's cancel() may also throw synchronously (it writes to the stream).
    Promise.resolve()
      .then(() => watcher.cancel())
      .catch((err: unknown) => debug('etcd: cancelling a watch failed: %s', err));
  }
}

/**
 * `listening` once no release ahead of `contender` can be missed, then `released` when the
 * key just ahead of it goes (or its session lease is lost, or the watch had to start over):
 * the next attempt then reads who is ahead now, and this watch moves to that key.
 */
export function watchPredecessor(client: Namespace, contender: Contender, hold?: WatchStreamHold): Observable<ReleaseSignal> {
  return new Observable<ReleaseSignal>((subscriber) => {
    const unhold = hold?.use();
    let listening = false;
    const listen = () => {
      if (listening) return;
      listening = true;
      subscriber.next('listening');
    };
    let watched: WatchedKey | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    let offLost: (() => void) | undefined;
    let lostWatchedOn = contender.session;

    const stopWatch = () => {
      if (!watched) return;
      contender.watchingPredecessor(watched.ahead, false);
      watched.watch.stop();
      watched = undefined;
    };
    const watchLoss = () => {
      if (offLost && lostWatchedOn === contender.session) return;
      offLost?.();
      lostWatchedOn = contender.session;
      // Every key on a lost lease is gone, ours too: the next attempt queues again.
      offLost = contender.session.onLost(() => subscriber.next('released'));
    };
    const follow = () => {
      watchLoss();
      const ahead = contender.predecessor;
      if (watched && ahead && watched.ahead.key === ahead.key && watched.ahead.createRevision === ahead.createRevision) {
        // The same key read again: the watch we have covers every deletion since an earlier read.
        watched.ahead = ahead;
        contender.watchingPredecessor(ahead, watched.connected);
        return;
      }
      stopWatch();
      if (!ahead) {
        // At the head, or our key does not exist yet: the next attempt decides.
        listen();
        return;
      }
      const entry: WatchedKey = { ahead, connected: false, watch: undefined as unknown as KeyDeletionWatch };
      watched = entry;
      const gone = () => {
        entry.connected = false;
        contender.watchingPredecessor(entry.ahead, false);
        if (watched === entry) watched = undefined;
      };
      entry.watch = new KeyDeletionWatch(client, ahead.key, ahead.seenAt + 1n, {
        // etcd3 resumes from its last revision after a reconnect: nothing is missed meanwhile.
        connected: () => {
          entry.connected = true;
          contender.watchingPredecessor(entry.ahead, true);
          listen();
        },
        disconnected: () => {
          entry.connected = false;
          contender.watchingPredecessor(entry.ahead, false);
        },
        deleted: () => {
          gone();
          subscriber.next('released');
        },
        failed: (err) => {
          debug('etcd: watch on %s failed, reading the queue again: %s', entry.ahead.key, err);
          gone();
          listen();
          // Not at once: a watch that etcd keeps refusing must not become a loop of reads.
          retryTimer = setTimeout(() => subscriber.next('released'), REWATCH_DELAY_MS);
        },
      });
    };

    const stop = () => {
      clearTimeout(retryTimer);
      unhold?.();
      offChange();
      offLost?.();
      stopWatch();
    };
    const safeFollow = () => {
      try {
        follow();
      } catch (err) {
        // A client that cannot watch (it only looks like etcd3): the core polls instead. Never
        // thrown into the attempt that moved the queue.
        stop();
        subscriber.error(err);
      }
    };
    const offChange = contender.onPredecessorChange(safeFollow);
    safeFollow();
    return stop;
  });
}

/** The watch on the key ahead, and the latest read that saw that key. */
interface WatchedKey {
  ahead: Predecessor;
  connected: boolean;
  watch: KeyDeletionWatch;
}
