/**
 * Wake-up on release: the release script PUBLISHes on the lock's channel; waiters listen on
 * one shared subscriber connection per client.
 */
import { Observable, type Subscriber } from 'rxjs';
import { monotonicNow } from '../../core/clock';
import { debug } from '../../core/debug';
import { LockBackendError } from '../../errors';
import type { ReleaseSignal } from '../../core/driver';
import { describeReply, isCluster, type IoRedisClient } from './client';
import { disconnectNow } from './connection';


/**
 * How long a channel stays subscribed after its last watcher left, and the subscriber
 * connection open after its last channel went (ms). Waiters come and go in bursts: in a
 * handoff the granted waiter stops watching and, one hold later, watches the same channel
 * again. Unsubscribing at once cost an UNSUBSCRIBE written between the grant and the caller
 * (traced at about 0.2 ms of a 2.2 ms handoff on this 2-core machine, where each socket write
 * wakes the server) and a SUBSCRIBE round trip before the next wait could re-check. Short
 * enough not to hold the process noticeably.
 */
export const SUBSCRIBER_IDLE_CLOSE_MS = 250;

/** The release message of sherlock-rx versions without a waiter queue: it wakes every waiter. */
const EVERY_WAITER = '1';

/** One subscribed channel: its watchers, and whether its SUBSCRIBE was confirmed. */
interface ChannelEntry {
  readonly channel: string;
  readonly watchers: Set<Subscriber<ReleaseSignal>>;
  listening: boolean;
  /** Monotonic time its last watcher left, while nobody watches it (it lingers, see {@link SUBSCRIBER_IDLE_CLOSE_MS}). */
  idleSince: number | undefined;
}

/**
 * The shared subscriber of one client: a `duplicate()` connection opened on first use,
 * SUBSCRIBEd once per channel however many waiters watch it (refcounted). A channel nobody
 * watches any more lingers for {@link SUBSCRIBER_IDLE_CLOSE_MS} before its UNSUBSCRIBE, and the
 * connection closes with the last channel. Errors on it only cost latency: the core keeps polling.
 */
export class ReleaseSubscriber {
  private connection: IoRedisClient | undefined;
  private readonly channels = new Map<string, ChannelEntry>();
  /** The token each watcher waits with: a release addressed to another token does not wake it. */
  private readonly addressees = new WeakMap<Subscriber<ReleaseSignal>, string>();
  /** Sweeps lingering channels (and closes the connection once none is left). */
  private idleTimer: NodeJS.Timeout | undefined;

  /**
   * @param onHandOver Told of each handover announced on a subscribed channel (`<token> <fencing
   *   token>`, see `release.ts`) before the watcher of that token is woken.
   */
  constructor(
    private readonly client: IoRedisClient,
    private readonly onHandOver: (token: string, fence: number) => void = () => undefined,
  ) {}

  /**
   * Emits `listening` once the channel's SUBSCRIBE is confirmed (at once if it already was),
   * then `released` on each message addressed to `token` (or to every waiter), and also after
   * the subscriber reconnected (releases may have been published while it was down). Errors
   * with a `LockBackendError` when the subscription fails.
   */
  watch(channel: string, token?: string): Observable<ReleaseSignal> {
    return new Observable<ReleaseSignal>((subscriber) => {
      const entry = this.channels.get(channel) ?? this.subscribe(channel);
      entry.idleSince = undefined;
      entry.watchers.add(subscriber);
      if (token !== undefined) this.addressees.set(subscriber, token);
      if (entry.listening) subscriber.next('listening');
      return () => this.unwatch(entry, subscriber);
    });
  }

  /** Number of subscribed channels, lingering ones included (for tests and diagnostics). */
  get channelCount(): number {
    return this.channels.size;
  }

  /** Whether the subscriber connection is open (for tests and diagnostics). */
  get isOpen(): boolean {
    return this.connection !== undefined;
  }

  /** Closes the subscriber connection now; current watchers complete (they fall back to polling). */
  close(): void {
    const entries = [...this.channels.values()];
    this.channels.clear();
    this.disconnect();
    for (const e of entries) for (const w of e.watchers) w.complete();
  }

  private subscribe(channel: string): ChannelEntry {
    const entry: ChannelEntry = { channel, watchers: new Set(), listening: false, idleSince: undefined };
    this.channels.set(channel, entry);
    // A promise from the start: a client that throws, or answers with something that is not a
    // promise (not an ioredis client), fails the subscription like a rejected SUBSCRIBE.
    new Promise<unknown>((resolve) => resolve(this.open().subscribe(channel))).then(
      (reply) => {
        if (this.channels.get(channel) !== entry) return;
        if (typeof reply !== 'number') {
          this.fail(entry, new Error(`unexpected reply to SUBSCRIBE: ${describeReply(reply)}`));
          return;
        }
        entry.listening = true;
        for (const w of [...entry.watchers]) w.next('listening');
      },
      (err: unknown) => {
        if (this.channels.get(channel) !== entry) return;
        this.fail(entry, err);
      },
    );
    return entry;
  }

  /** The subscription of `entry` failed: forget it (the next waiter tries again) and tell its watchers. */
  private fail(entry: ChannelEntry, err: unknown): void {
    this.drop(entry);
    const detail = err instanceof Error ? err.message : String(err);
    const error = new LockBackendError(`redis backend could not SUBSCRIBE to ${entry.channel}: ${detail}`, { cause: err });
    for (const w of [...entry.watchers]) w.error(error);
  }

  /** The last watcher of a channel left: it lingers, and the sweep unsubscribes it if nobody comes back. */
  private unwatch(entry: ChannelEntry, subscriber: Subscriber<ReleaseSignal>): void {
    entry.watchers.delete(subscriber);
    if (entry.watchers.size > 0 || this.channels.get(entry.channel) !== entry) return;
    entry.idleSince = monotonicNow();
    this.scheduleSweep();
  }

  /** Forgets `entry` (a failed SUBSCRIBE): nothing to unsubscribe. */
  private drop(entry: ChannelEntry): void {
    if (this.channels.get(entry.channel) === entry) this.channels.delete(entry.channel);
    if (this.channels.size === 0) this.scheduleSweep();
  }

  /**
   * UNSUBSCRIBEs the channels that nobody has watched for {@link SUBSCRIBER_IDLE_CLOSE_MS}, and
   * closes the connection when no channel is left. Runs in a timer, which must not throw,
   * whatever the client does.
   */
  private sweep(): void {
    // A little slack: Node's timer clock and performance.now() may disagree by a fraction of a ms.
    const cutoff = monotonicNow() - SUBSCRIBER_IDLE_CLOSE_MS + 5;
    const conn = this.connection;
    for (const entry of [...this.channels.values()]) {
      if (entry.idleSince === undefined || entry.idleSince > cutoff) continue;
      this.channels.delete(entry.channel);
      // Ordered on the connection: a later SUBSCRIBE of the same channel is answered after this.
      if (conn) {
        new Promise<unknown>((resolve) => resolve(conn.unsubscribe(entry.channel))).catch((err: unknown) =>
          debug('redis UNSUBSCRIBE failed: %s', err),
        );
      }
    }
    if (this.channels.size === 0) this.disconnect();
    else if ([...this.channels.values()].some((e) => e.idleSince !== undefined)) this.scheduleSweep();
  }

  private open(): IoRedisClient {
    if (this.connection) return this.connection;
    // The user's client may disable the offline queue or resubscription; the subscriber needs
    // both. A short disconnectTimeout: ioredis keeps a timer of that length after disconnect()
    // when the socket had already dropped, which would delay the process exit.
    const overrides = { enableOfflineQueue: true, autoResubscribe: true, lazyConnect: false, disconnectTimeout: 100 };
    const conn: IoRedisClient = isCluster(this.client)
      ? this.client.duplicate(undefined, { ...overrides, redisOptions: { ...this.client.options.redisOptions, ...overrides } })
      : this.client.duplicate(overrides);
    if (typeof conn !== 'object' || conn === null) {
      throw new Error(`duplicate() of the client returned ${describeReply(conn)}, not a connection`);
    }
    let connectedBefore = false;
    try {
      conn.on('error', (err: unknown) => debug('redis subscriber connection error: %s', err));
      conn.on('message', (channel: string, message: string) => this.notify(channel, String(message)));
      conn.on('ready', () => {
        if (connectedBefore) this.afterReconnect(conn);
        connectedBefore = true;
      });
      conn.on('end', () => {
        if (this.connection === conn) this.close();
      });
    } catch (err) {
      // Unheard 'error' events would crash the process: a connection we cannot listen to is closed.
      disconnectNow(conn);
      throw err;
    }
    this.connection = conn;
    return conn;
  }

  /**
   * A release names the waiter at the head of the lock's queue, the only one that can take it:
   * waking the others too made every handoff cost one attempt per waiter. `<token> <fencing
   * token>` says the lock was handed to that waiter (see `release.ts`), `<token>` that it is
   * free for it. A message that names nobody (`1`, from sherlock-rx versions without the queue)
   * wakes every watcher.
   */
  private notify(channel: string, message: string): void {
    const entry = this.channels.get(channel);
    if (!entry?.listening) return;
    let to: string | undefined = message;
    if (message === EVERY_WAITER) to = undefined;
    else {
      const space = message.indexOf(' ');
      if (space > 0) {
        to = message.slice(0, space);
        const fence = Number(message.slice(space + 1));
        if (Number.isSafeInteger(fence) && fence > 0) this.onHandOver(to, fence);
      }
    }
    for (const w of [...entry.watchers]) {
      const token = this.addressees.get(w);
      if (to === undefined || token === undefined || token === to) w.next('released');
    }
  }

  /**
   * ioredis resubscribes on reconnect; a PING sent now is answered after those SUBSCRIBEs, so
   * once it returns every channel is armed again and waiters re-check what they may have missed.
   */
  private afterReconnect(conn: IoRedisClient): void {
    new Promise<unknown>((resolve) => resolve(conn.ping())).then(
      () => {
        if (this.connection !== conn) return;
        for (const entry of [...this.channels.values()]) {
          if (entry.listening) for (const w of [...entry.watchers]) w.next('released');
        }
      },
      (err: unknown) => debug('redis subscriber PING after reconnect failed: %s', err),
    );
  }

  private scheduleSweep(): void {
    if (this.idleTimer || !this.connection) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      this.sweep();
    }, SUBSCRIBER_IDLE_CLOSE_MS);
  }

  private disconnect(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const conn = this.connection;
    this.connection = undefined;
    if (conn) disconnectNow(conn);
  }
}
