/**
 * The etcd driver: etcd's own lock protocol (Go `concurrency.Mutex`, `etcdctl lock`) on an
 * etcd3 client. Loaded lazily by the descriptor, so that `etcd3` is only required when an etcd
 * lock is used.
 */
import { Etcd3, type Namespace } from 'etcd3';
import type { Observable } from 'rxjs';
import { toBackendError } from '../../errors';
import type { AcquireAttempt, LockDriver, LockTarget, ReleaseSignal } from '../../core/driver';
import { abandon, tryAcquire } from './acquire';
import { renew } from './renew';
import { isLocked } from './locked';
import { watchLoss, watchReleases } from './notify';
import { PrefixWatches } from './prefix-watches';
import { RequestGate } from './gate';
import { Deleter, release } from './release';
import { SessionPool } from './sessions';
import { MAX_REQUESTS_IN_FLIGHT } from './settings';
import type { EtcdState } from './state';
import { cappedWatchBackoff, watchNamespace } from './watch-namespace';

const BACKEND = 'etcd';

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
 * The {@link LockDriver} of one etcd3 client (an `Etcd3` or a `Namespace`): its sessions, its
 * shared watches and the contender key of every acquisition in progress.
 */
export class EtcdDriver implements LockDriver {
  readonly backend = BACKEND;
  /**
   * Every way a contender ahead of us goes (release, lease expiry, deletion) is a DELETE on the
   * lock's watch, which resumes from its last revision after a reconnect: no polling needed.
   */
  readonly notifiesEveryRelease = true;
  /** Waiters are served by create revision (FIFO), whoever retries first. */
  readonly ordersWaiters = true;
  private readonly state: EtcdState;

  constructor(readonly client: Namespace) {
    const sessions = new SessionPool(client);
    const contenders = new Map();
    const gate = new RequestGate(MAX_REQUESTS_IN_FLIGHT);
    this.state = {
      client,
      rawPrefixLength: namespacePrefixLength(client),
      sessions,
      watches: new PrefixWatches(safeWatchNamespace(client)),
      contenders,
      joining: new Map(),
      gate,
      deleter: new Deleter({ client, contenders, sessions }, gate),
    };
  }

  tryAcquire(target: LockTarget): Promise<AcquireAttempt> {
    return wrap(tryAcquire(this.state, target), target.name, 'acquire');
  }

  /**
   * Not (yet) part of the driver contract: the core may call it synchronously when an
   * acquisition gives up, before its attempt in flight settles, so that a put still waiting
   * for a request slot (or for the session lease) is never sent. In a cancellation storm that
   * saves one etcd write per abandoned subscription. `release` must still follow.
   */
  abandon(target: LockTarget): void {
    abandon(this.state, target);
  }

  release(target: LockTarget): Promise<boolean> {
    return wrap(release(this.state, target), target.name, 'release');
  }

  renew(target: LockTarget): Promise<boolean> {
    return wrap(renew(this.state, target), target.name, 'renew');
  }

  isLocked(key: string): Promise<boolean> {
    return wrap(isLocked(this.state, key), key, 'check');
  }

  watchReleases(target: LockTarget): Observable<ReleaseSignal> {
    return watchReleases(this.state, target);
  }

  watchLoss(target: LockTarget): Observable<never> {
    return watchLoss(this.state, target);
  }

  /** Cancels the watches and revokes the session leases (deleting any key still on them). */
  async close(): Promise<void> {
    this.state.deleter.close();
    this.state.watches.close();
    await this.state.sessions.close();
    this.state.contenders.clear();
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

async function wrap<T>(work: Promise<T>, lockName: string, action: string): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw toBackendError(err, lockName, BACKEND, action);
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
