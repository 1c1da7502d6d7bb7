/**
 * The etcd driver: etcd's own lock protocol (Go `concurrency.Mutex`, `etcdctl lock`) on an
 * etcd3 client. Loaded lazily by the descriptor, so that `etcd3` is only required when an etcd
 * lock is used.
 */
import { Etcd3, type Namespace } from 'etcd3';
import { of, type Observable } from 'rxjs';
import type { AcquireAttempt, LockDriver, LockTarget, ReleaseSignal } from '../../core/driver';
import { ContenderRegistry } from '../contender-registry';
import { Contender, type ContenderContext } from './contender';
import { DeleteBatcher } from './delete-batcher';
import { keysStillThere } from './key-check';
import { isContenderOf, waitersPrefix } from './keys';
import { watchLoss } from './notifications';
import { watchPredecessor } from './predecessor-watch';
import { PrefixWatches } from './prefix-watches';
import { RequestGate } from './request-gate';
import { SessionPool } from './session-pool';
import { MAX_REQUESTS_IN_FLIGHT, callOptions } from './settings';
import { cappedWatchBackoff, watchNamespace } from './watch-namespace';
import { WatchStreamHold } from './watch-stream-hold';

const BACKEND = 'etcd';

/** The request gate's lane for batched renewals (a tick's batches take one turn per round). */
const RENEW_LANE = '\u0000renew';

/** Where the default client connects unless {@link DEFAULT_HOSTS_ENV} says otherwise. */
export const DEFAULT_HOSTS = '127.0.0.1:2379';

/**
 * Environment variable naming the hosts of the default client: a comma-separated list such
 * as `10.0.0.1:2379,10.0.0.2:2379` or `http://etcd:2379`, read when the default client is
 * created (first etcd lock without a client, or the first after `closeDefaultClients()`).
 * Like memjs's `MEMCACHE_SERVERS` for the Memcached default client; not `ETCD_*`, which the
 * etcd server reads as its own flags.
 */
export const DEFAULT_HOSTS_ENV = 'SHERLOCK_ETCD_HOSTS';

/** The hosts the default client connects to. */
export function defaultHosts(env: NodeJS.ProcessEnv = process.env): string[] {
  const hosts = (env[DEFAULT_HOSTS_ENV] ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  return hosts.length > 0 ? hosts : [DEFAULT_HOSTS];
}

/** The client the backend opens when none is given (closed by `closeDefaultClients()`). */
export function createDefaultClient(): Etcd3 {
  return new Etcd3({ hosts: defaultHosts(), faultHandling: { watchBackoff: cappedWatchBackoff as never } });
}

/**
 * The {@link LockDriver} of one etcd3 client (an `Etcd3` or a `Namespace`): the facade of its
 * sessions, its shared watches and the {@link Contender} of every acquisition in progress.
 * Errors of the client are thrown as they are: the core names the lock and the operation.
 */
export class EtcdDriver implements LockDriver {
  readonly backend = BACKEND;
  /**
   * Every way the contender just ahead of us goes (release, lease expiry, deletion) is a DELETE
   * on our watch of its key, which resumes from its last revision after a reconnect; the loss
   * of our own lease is reported too: no polling needed.
   */
  readonly notifiesEveryRelease = true;
  /**
   * Waiters are served by create revision (FIFO), whoever retries first. No `releaseScope`:
   * with `ordersWaiters` the core keeps no local queue, so the release bus has nobody to wake.
   */
  readonly ordersWaiters = true;
  private readonly ctx: ContenderContext;
  private readonly watches: PrefixWatches;
  /** Where watches run (the client, with a bounded reconnect backoff). */
  private readonly watchClient: Namespace;
  private readonly watchStream: WatchStreamHold;
  /** The contender of each acquisition token not released yet. */
  private readonly contenders = new ContenderRegistry((target) => new Contender(this.ctx, target));

  constructor(readonly client: Namespace) {
    const gate = new RequestGate(MAX_REQUESTS_IN_FLIGHT);
    this.ctx = {
      client,
      rawPrefixLength: namespacePrefixLength(client),
      gate,
      sessions: new SessionPool(client),
      deletes: new DeleteBatcher(client, gate),
    };
    this.watchClient = safeWatchNamespace(client);
    this.watches = new PrefixWatches(this.watchClient);
    this.watchStream = new WatchStreamHold(this.watchClient);
  }

  /** Joins the lock's queue (once per token), then checks whether we are at its head. */
  async tryAcquire(target: LockTarget): Promise<AcquireAttempt> {
    return this.contenders.tryAcquire(target);
  }

  /**
   * Not (yet) part of the driver contract: the core may call it synchronously when an
   * acquisition gives up, before its attempt in flight settles, so that a put still waiting
   * for a request slot (or for the session lease) is never sent. In a cancellation storm that
   * saves one etcd write per abandoned subscription. `release` must still follow.
   */
  abandon(target: LockTarget): void {
    this.contenders.abandon(target);
  }

  /** Resolves true if our key was there and is now deleted. */
  async release(target: LockTarget): Promise<boolean> {
    // The token is done: a later attempt of it (after a withdrawn grant) starts a new contender.
    return this.contenders.release(target);
  }

  /** The session keepalive extends every key on it: renewing only checks that our key is still there. */
  async renew(target: LockTarget): Promise<boolean> {
    return (await this.contenders.get(target.token)?.stillExists()) ?? false;
  }

  /**
   * {@link renew} for many locks: one transaction per 128 keys (renewing every lock of a client
   * costs a few requests per tick, not one per lock). Same order as `targets`.
   */
  async renewMany(targets: readonly LockTarget[]): Promise<boolean[]> {
    const keys = targets.map((t) => this.contenders.get(t.token)?.liveKey);
    return keysStillThere(this.client, this.ctx.gate, RENEW_LANE, keys);
  }

  /** Held as soon as any contender key exists directly under `P/` (the oldest is the holder). */
  async isLocked(prefix: string): Promise<boolean> {
    const { client, gate } = this.ctx;
    const keys = await gate.run(prefix, () => client.getAll().prefix(waitersPrefix(prefix)).options(callOptions()).keys());
    return keys.some((key) => isContenderOf(prefix, key));
  }

  /** Watches only the key just ahead of ours: a release wakes the next waiter, not every waiter. */
  watchReleases(target: LockTarget): Observable<ReleaseSignal> {
    const contender = this.contenders.get(target.token);
    // No contender: nothing of ours is queued; the next attempt joins.
    if (!contender) return of<ReleaseSignal[]>('listening', 'released');
    return watchPredecessor(this.watchClient, contender, this.watchStream);
  }

  watchLoss(target: LockTarget): Observable<never> {
    return watchLoss(this.client, this.watches, target, this.contenders.get(target.token));
  }

  /** Cancels the watches and revokes the session leases (deleting any key still on them). */
  async close(): Promise<void> {
    this.ctx.deletes.close();
    this.watches.close();
    this.watchStream.close();
    await this.ctx.sessions.close();
    this.contenders.clear();
  }
}

/** {@link watchNamespace}, or the client itself when its internals are not what we expect. */
function safeWatchNamespace(client: Namespace): Namespace {
  try {
    return watchNamespace(client);
  } catch {
    return client;
  }
}

/**
 * A `Namespace` from `client.namespace('app/')` prefixes every key; transaction responses
 * return keys with that prefix. `prefix` is internal to etcd3 (a Buffer, empty on `Etcd3`).
 */
function namespacePrefixLength(client: Namespace): number {
  const prefix = (client as unknown as { prefix?: unknown }).prefix;
  return Buffer.isBuffer(prefix) ? prefix.length : 0;
}
