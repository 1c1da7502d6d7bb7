/**
 * One etcd watch per lock prefix (deletes under `P/`, with the previous key-value so that we
 * know the deleted key's create revision), shared by every waiter and holder of that lock in
 * this driver, and cancelled when unused.
 */
import type { IKeyValue, Namespace, Watcher } from 'etcd3';
import { debug } from '../../core/debug';
import { revision, waitersPrefix } from './keys';

/** What a subscriber of a prefix watch hears. */
export interface PrefixListener {
  /** The watch is (re)connected: no delete from now on can be missed. */
  connected(): void;
  /** A key under `P/` was deleted; `createRevision` is unknown when etcd compacted the old value. */
  deleted(key: string, createRevision: bigint | undefined): void;
}

/** Delay before re-creating a watcher that etcd cancelled (e.g. its revision was compacted). */
const REWATCH_DELAY_MS = 100;

class PrefixWatch {
  readonly listeners = new Set<PrefixListener>();
  connected = false;
  private watcher: Watcher | undefined;
  private rewatch: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Namespace,
    private readonly prefix: string,
  ) {
    this.start();
  }

  stop(): void {
    if (this.rewatch) clearTimeout(this.rewatch);
    this.rewatch = undefined;
    const watcher = this.watcher;
    this.watcher = undefined;
    this.connected = false;
    if (!watcher) return;
    // Through a promise: etcd3's cancel() may also throw synchronously (it writes to the stream).
    Promise.resolve()
      .then(() => watcher.cancel())
      .catch((err: unknown) => debug('etcd: cancelling watch on %s failed: %s', this.prefix, err));
  }

  private start(): void {
    const watcher = this.client.watch().prefix(waitersPrefix(this.prefix)).only('delete').withPreviousKV().watcher();
    this.watcher = watcher;
    watcher.on('connected', () => {
      if (this.watcher !== watcher) return;
      this.connected = true;
      for (const l of [...this.listeners]) l.connected();
    });
    watcher.on('disconnected', (err: unknown) => {
      if (this.watcher !== watcher) return;
      this.connected = false;
      debug('etcd: watch on %s disconnected (etcd3 reconnects and replays): %s', this.prefix, err);
    });
    watcher.on('delete', (kv: IKeyValue, prev?: IKeyValue) => {
      if (this.watcher !== watcher) return;
      let key: string;
      let rev: bigint | undefined;
      try {
        key = kv.key.toString('utf8');
        rev = prev && prev.create_revision !== '0' ? revision(prev.create_revision) : undefined;
      } catch (err) {
        // An event we cannot read (a client that only looks like etcd3): thrown here, it would
        // surface in the client's event loop as an uncaught exception.
        debug('etcd: unreadable delete event on %s: %s', this.prefix, err);
        return;
      }
      for (const l of [...this.listeners]) l.deleted(key, rev);
    });
    // Cancelled by the server: start over (subscribers re-check when it reconnects).
    watcher.on('error', (err: unknown) => {
      if (this.watcher !== watcher) return;
      debug('etcd: watch on %s failed, watching again: %s', this.prefix, err);
      // etcd3 already dropped it: cancelling it again would wait for an answer that never comes.
      this.watcher = undefined;
      this.connected = false;
      this.rewatch = setTimeout(() => {
        this.rewatch = undefined;
        if (this.listeners.size === 0) return;
        // In a timer, a throw would be an uncaught exception; the subscribers keep polling.
        try {
          this.start();
        } catch (startErr) {
          debug('etcd: watching %s again failed: %s', this.prefix, startErr);
        }
      }, REWATCH_DELAY_MS);
    });
  }
}

/** The shared prefix watches of one client. */
export class PrefixWatches {
  private readonly watches = new Map<string, PrefixWatch>();

  constructor(private readonly client: Namespace) {}

  /** Listens to lock `prefix`; returns the unsubscribe function. */
  subscribe(prefix: string, listener: PrefixListener): () => void {
    let watch = this.watches.get(prefix);
    if (!watch) {
      watch = new PrefixWatch(this.client, prefix);
      this.watches.set(prefix, watch);
    }
    const w = watch;
    w.listeners.add(listener);
    if (w.connected) listener.connected();
    return () => {
      if (!w.listeners.delete(listener) || w.listeners.size > 0) return;
      // Deferred: a waiter that gets the lock leaves the watch and its loss watch joins it in
      // the same tick; the watch then carries on instead of being cancelled and re-created.
      queueMicrotask(() => {
        if (w.listeners.size > 0 || this.watches.get(prefix) !== w) return;
        w.stop();
        this.watches.delete(prefix);
      });
    };
  }

  /** Whether lock `prefix` is watched already (joining costs nothing). */
  isWatching(prefix: string): boolean {
    return this.watches.has(prefix);
  }

  /** Whether the watch of lock `prefix` is connected (no delete from now on can be missed). */
  isConnected(prefix: string): boolean {
    return this.watches.get(prefix)?.connected === true;
  }

  /** Cancels every watch. */
  close(): void {
    for (const w of this.watches.values()) w.stop();
    this.watches.clear();
  }
}
