/**
 * The Redis {@link LockDriver}: the verbs (acquire, release, renew, locked, notify) bound to
 * one ioredis client. Loaded lazily by the descriptor, so ioredis is only loaded when a Redis
 * lock is used.
 */
import type { Observable } from 'rxjs';
import { LockConfigurationError } from '../../errors';
import type { AcquireAttempt, LockDriver, LockTarget, ReleaseSignal } from '../../core/driver';
import { acquire, ACQUIRE_SCRIPT } from './acquire';
import { hasHashTag, isCluster, keyPrefixOf, type IoRedisClient } from './client';
import { ConnectionGuard, disconnectNow } from './connection';
import { IdleUnref } from './idle-unref';
import { renew, RENEW_SCRIPT, renewMany } from './renew';
import { LockKeysCache, releaseChannelOf } from './keys';
import { isLocked } from './locked';
import { ReleaseSubscriber } from './notify';
import { ServerGrants } from './server-grants';
import { release, RELEASE_SCRIPT } from './release';
import { installScripts, ScriptRunner } from './scripts';

export { createDefaultClient } from './default-client';

const BACKEND = 'redis';

/** How long {@link RedisDriver.closeClient} waits for the server to answer QUIT (ms). */
export const QUIT_WAIT_MS = 1_000;

/** Options of a {@link RedisDriver}. */
export interface RedisDriverOptions {
  /**
   * True when the backend created `client` itself (the default client): its 'error' events
   * are always listened to. Defaults to false.
   */
  readonly ownsClient?: boolean;
}

/** The driver of one ioredis `Redis` or `Cluster` client. */
export class RedisDriver implements LockDriver {
  readonly backend = BACKEND;
  /**
   * The scripts keep a waiter queue and grant a free lock to its head only (see `waiters.ts`):
   * the core retries at once on a release notification instead of spreading the waiters.
   * No `releaseScope`: with `ordersWaiters` the core keeps no local queue and the release bus
   * wakes only a local queue's head, so a scope would change nothing (a local waiter hears a
   * release through its subscription).
   */
  readonly ordersWaiters = true;
  private readonly guard: ConnectionGuard;
  /** Handovers the release script announced for this client's waiters (see {@link ServerGrants}). */
  readonly grants = new ServerGrants();
  /** Shared by every waiter of this client: one subscriber connection, opened on demand. */
  readonly releases: ReleaseSubscriber;
  private readonly keyPrefix: string;
  /** Only for a client we own: a user's client is the user's to keep open. */
  private readonly idle: IdleUnref | undefined;
  private readonly scripts: ScriptRunner;
  private readonly keys = new LockKeysCache();

  constructor(
    readonly client: IoRedisClient,
    options: RedisDriverOptions = {},
  ) {
    assertClusterPrefix(client);
    installScripts(client, [ACQUIRE_SCRIPT, RELEASE_SCRIPT, RENEW_SCRIPT]);
    this.scripts = new ScriptRunner(client);
    this.keyPrefix = keyPrefixOf(client);
    this.guard = new ConnectionGuard(client, options.ownsClient === true);
    this.releases = new ReleaseSubscriber(client, (token, fence) => this.grants.handedOver(token, fence));
    this.idle = options.ownsClient === true && !isCluster(client) ? new IdleUnref(client) : undefined;
  }

  /**
   * A lock the previous holder's release handed to this waiter is granted without a round trip
   * (see {@link ServerGrants}). Otherwise one script call, failing fast (with the connection
   * error) while the client is reconnecting: see {@link ConnectionGuard}.
   */
  tryAcquire(target: LockTarget): Promise<AcquireAttempt> {
    const handedOver = this.grants.take(target);
    if (handedOver) return Promise.resolve(handedOver);
    const keys = this.keys.of(target.key);
    const send = (): Promise<AcquireAttempt> => acquire(this.scripts, keys, target, this.grants);
    return this.idle ? this.idle.track(() => this.guard.run(send)) : this.guard.run(send);
  }

  /**
   * Not guarded: while the connection is down, ioredis queues the release and sends it on
   * reconnect (within its `maxRetriesPerRequest`), which is what a lock left behind needs.
   */
  release(target: LockTarget): Promise<boolean> {
    this.grants.forget(target.token);
    const keys = this.keys.of(target.key);
    return this.idle ? this.idle.track(() => release(this.scripts, keys, target)) : release(this.scripts, keys, target);
  }

  /** Not guarded: the core measures the validity deadline itself and gives up when it passes. */
  renew(target: LockTarget): Promise<boolean> {
    return this.track(() => renew(this.client, target));
  }

  /** One script call per 500 locks, in one round trip; see {@link renewMany}. */
  renewMany(targets: readonly LockTarget[]): Promise<boolean[]> {
    return this.track(() => renewMany(this.client, targets));
  }

  /** `EXISTS`, failing fast like {@link tryAcquire} while the connection is down. */
  isLocked(key: string): Promise<boolean> {
    return this.track(() => this.guard.run(() => isLocked(this.client, key)));
  }

  /** Release notifications through the client's shared subscriber connection (see {@link ReleaseSubscriber}). */
  watchReleases(target: LockTarget): Observable<ReleaseSignal> {
    return this.releases.watch(releaseChannelOf(this.keyPrefix, target.key), target.token);
  }

  /** Closes the subscriber connection (the client itself is closed by whoever owns it). */
  close(): void {
    this.releases.close();
  }

  /**
   * Closes the subscriber connection and the client, for the owner of the client (the default
   * client's). Settles within about {@link QUIT_WAIT_MS} whatever the server does: QUIT lets
   * commands already sent (a release just before) finish, but a server that is down or stalled
   * never answers it, so then the connection is just dropped (pending commands reject).
   */
  async closeClient(): Promise<void> {
    this.close();
    const client = this.client;
    if (client.status !== 'ready') {
      disconnectNow(client);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    // The timer is referenced: an owned client's socket is unreferenced when idle, and the
    // process must live until this settles.
    const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_WAIT_MS)));
    const quit = this.track(() => client.quit()).then(
      () => undefined,
      () => undefined,
    );
    await Promise.race([quit, gaveUp]);
    clearTimeout(timer);
    disconnectNow(client);
  }

  private track<T>(request: () => Promise<T>): Promise<T> {
    return this.idle ? this.idle.track(request) : request();
  }
}

/**
 * On a Cluster, ioredis prepends `keyPrefix` to every key; the lock key `<prefix>K` and its
 * counter `<prefix>{K}:fence` then share a slot only if the prefix carries its own hash tag.
 */
function assertClusterPrefix(client: IoRedisClient): void {
  const prefix = keyPrefixOf(client);
  if (isCluster(client) && prefix !== '' && !hasHashTag(prefix)) {
    throw new LockConfigurationError(
      `The redis backend cannot use a Cluster client with keyPrefix "${prefix}": the lock key and its fencing ` +
        'counter would hash to different slots. Put a hash tag in the prefix (e.g. "{myapp}:") or drop the prefix.',
    );
  }
}
