/**
 * Keeps a client's watch stream open between two waits.
 *
 * Why: etcd3 1.1.2 multiplexes watchers over one gRPC stream per namespace object and ends that
 * stream when its last watcher is cancelled. A contender that waits, gets the lock and waits
 * again then opened and reset a stream per grant; profiled with 8 contenders (1 ms hold), the
 * stream set-up and reset were the largest share of the client's CPU after the unary calls.
 * An idle watcher on a key nobody writes keeps the stream up while watches come and go, and
 * {@link WATCH_STREAM_LINGER_MS} after the last one (an open stream keeps the process alive:
 * the linger bounds how long it does).
 */
import type { Namespace, Watcher } from 'etcd3';
import { debug } from '../../core/debug';

/** How long the watch stream stays open after its last watch ended (ms). */
export const WATCH_STREAM_LINGER_MS = 1_000;

/** A key no lock uses (no lock name may contain a NUL), so the idle watcher never hears anything. */
const IDLE_KEY = '\u0000sherlock-rx/watch-stream-hold';

export class WatchStreamHold {
  private idle: Watcher | undefined;
  private users = 0;
  private linger: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly client: Namespace) {}

  /** One more watch is about to start; call the returned function when it ends. */
  use(): () => void {
    this.users++;
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
    if (!this.idle && !this.closed) this.open();
    let used = true;
    return () => {
      if (!used) return;
      used = false;
      if (--this.users > 0 || this.closed) return;
      this.linger = setTimeout(() => this.stop(), WATCH_STREAM_LINGER_MS);
      this.linger.unref();
    };
  }

  /** Ends the idle watcher now (the driver is closing). */
  close(): void {
    this.closed = true;
    this.stop();
  }

  private open(): void {
    try {
      const idle = this.client.watch().key(IDLE_KEY).watcher();
      // etcd3 reports stream trouble to every watcher; ours has nothing to act on.
      idle.on('error', (err: unknown) => {
        debug('etcd: idle watcher failed: %s', err);
        if (this.idle === idle) this.idle = undefined;
      });
      this.idle = idle;
    } catch (err) {
      // A client that cannot watch: the waiters' own watches report that.
      debug('etcd: cannot hold the watch stream open: %s', err);
    }
  }

  private stop(): void {
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
    const idle = this.idle;
    this.idle = undefined;
    if (!idle) return;
    // Through a promise: etcd3's cancel() may also throw synchronously (it writes to the stream).
    Promise.resolve()
      .then(() => idle.cancel())
      .catch((err: unknown) => debug('etcd: cancelling the idle watcher failed: %s', err));
  }
}
