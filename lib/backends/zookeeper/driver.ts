/**
 * The ZooKeeper driver: kazoo's lock recipe on a node-zookeeper-client client. Loaded lazily by
 * the descriptor, so that `node-zookeeper-client` is only required when a ZooKeeper lock is used.
 */
import { createClient, type Client } from 'node-zookeeper-client';
import type { Observable } from 'rxjs';
import type { AcquireAttempt, LockDriver, LockTarget, ReleaseSignal } from '../../core/driver';
import { ZkCalls } from './calls';
import { ContenderRegistry } from '../contender-registry';
import { Contender } from './contender';
import { Liveness } from './liveness';
import { watchLoss, watchReleases } from './notifications';
import { contendersIn } from './paths';
import { DEFAULT_SESSION_TIMEOUT_MS } from './settings';

const BACKEND = 'zookeeper';

/** Where the default client connects unless {@link DEFAULT_HOSTS_ENV} says otherwise. */
export const DEFAULT_HOSTS = '127.0.0.1:2181';

/**
 * Environment variable naming the servers of the default client: a ZooKeeper connection string
 * such as `zk1:2181,zk2:2181,zk3:2181` (optionally with a chroot, `.../app`), read when the
 * default client is created. Not `ZOO*`, which the server's scripts read.
 */
export const DEFAULT_HOSTS_ENV = 'SHERLOCK_ZOOKEEPER_HOSTS';

/** The connection string of the default client. */
export function defaultHosts(env: NodeJS.ProcessEnv = process.env): string {
  const hosts = (env[DEFAULT_HOSTS_ENV] ?? '').trim();
  return hosts === '' ? DEFAULT_HOSTS : hosts;
}

/** The client the backend opens when none is given (closed by `closeDefaultClients()`). */
export function createDefaultClient(): Client {
  const client = createClient(defaultHosts(), { sessionTimeout: DEFAULT_SESSION_TIMEOUT_MS });
  client.connect();
  return client;
}

/**
 * The {@link LockDriver} of one client, i.e. of one ZooKeeper session shared by all its locks,
 * with the {@link Contender} of every acquisition in progress.
 */
export class ZooKeeperDriver implements LockDriver {
  readonly backend = BACKEND;
  /**
   * Every way our predecessor goes (release, session expiry, deletion) is a NodeDeleted event on
   * the watch we set on it; watches survive reconnects within the session. No polling needed.
   */
  readonly notifiesEveryRelease = true;
  /**
   * Waiters are served by sequence number (FIFO), whoever retries first. No `releaseScope`:
   * with `ordersWaiters` the core keeps no local queue, so the release bus has nobody to wake.
   */
  readonly ordersWaiters = true;
  private readonly calls: ZkCalls;
  private readonly liveness: Liveness;
  /** The contender of each acquisition token not released yet. */
  private readonly contenders = new ContenderRegistry((target) => new Contender(this.calls, target));
  private readonly onExpired = () => this.liveness.expired();

  constructor(readonly client: Client) {
    this.liveness = new Liveness(
      () => client.getSessionTimeout(),
      () => this.calls.exists('/'),
    );
    this.calls = new ZkCalls(client, this.liveness);
    client.on('expired', this.onExpired);
  }

  /** Joins the lock's queue (once per token), then checks whether we are at its head. */
  tryAcquire(target: LockTarget): Promise<AcquireAttempt> {
    return this.contenders.tryAcquire(target);
  }

  /** No create of this token is sent any more; `release` follows. */
  abandon(target: LockTarget): void {
    this.contenders.abandon(target);
  }

  /** Deletes our node (held or queued); true if it was there. */
  async release(target: LockTarget): Promise<boolean> {
    // The token is done: a later attempt of it (after a withdrawn grant) starts a new contender.
    return this.contenders.release(target);
  }

  /** The session keeps the node: renewing only checks that it is still there. */
  async renew(target: LockTarget): Promise<boolean> {
    if (this.liveness.expiredForGood) return false;
    return (await this.contenders.get(target.token)?.stillExists()) ?? false;
  }

  /** Held when the lock node has a contender child (the lowest is the holder). */
  async isLocked(path: string): Promise<boolean> {
    return contendersIn(await this.calls.children(path)).length > 0;
  }

  watchReleases(target: LockTarget): Observable<ReleaseSignal> {
    return watchReleases(this.calls, this.liveness, this.contenders.get(target.token));
  }

  watchLoss(target: LockTarget): Observable<never> {
    return watchLoss(this.calls, this.liveness, target, this.contenders.get(target.token));
  }

  /** Stops the liveness probes; the session's close (by the client's owner) deletes our nodes. */
  close(): void {
    this.liveness.stop();
    this.client.removeListener('expired', this.onExpired);
    this.contenders.clear();
  }
}
