/**
 * A session: one etcd lease shared by every contender key this driver creates with the same
 * TTL, kept alive while a lock (held or queued) uses it, like Go's `concurrency.Session`.
 * Holding many locks costs one lease and one keepalive per TTL/3, not one per lock.
 */
import type { Lease, Namespace } from 'etcd3';
import { monotonicNow } from '../../core/clock';
import { debug } from '../../core/debug';
import { contenderKey, leaseHex } from './keys';
import {
  CLIENT_SETTLE_LIMIT_MS,
  IDLE_SESSION_MS,
  KEEPALIVE_RETRY_MS,
  REQUEST_TIMEOUT_MS,
  callOptions,
  settleWithin,
} from './settings';

/** The granted lease of a session. */
export interface GrantedLease {
  /** Lease ID as etcd3 returns it (decimal string). */
  readonly id: string;
  /** Lease ID in lowercase hex, as it appears in contender keys. */
  readonly hex: string;
}

/** Why a session's lease is gone, passed to {@link Session.onLost} listeners. */
export class SessionLostError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'SessionLostError';
  }
}

/** Whether an etcd3 error says the lease no longer exists (checked by shape: etcd3 may be another copy). */
export function isLeaseInvalid(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err.constructor?.name === 'EtcdLeaseInvalidError' ||
    /requested lease not found|is expired or revoked/.test(err.message)
  );
}

/**
 * Where a session's lease is, like etcd3's own `Lease` state (a grant reply may arrive after
 * the lease was let go: the state, not the timing, says what to do with it).
 * - `granting`: asked for, no answer yet;
 * - `live`: granted and kept alive by our keepalive loop;
 * - `lost`: etcd no longer has it (expired, revoked from outside, or no keepalive reached
 *   etcd for a whole TTL): every key on it is gone;
 * - `closed`: we let it go (revoked, or left to expire when the revoke failed).
 */
export type SessionState = 'granting' | 'live' | 'lost' | 'closed';

/**
 * A lease with its own keepalive loop, the contender keys issued on it, its users and its
 * loss listeners. An unused session lingers {@link IDLE_SESSION_MS} (back-to-back locks reuse
 * it) and then ends; a retired one takes no new users and ends with its last one.
 */
export class Session {
  private state: SessionState = 'granting';
  /** Contender keys issued on this lease and not yet given back. */
  private readonly keys = new Set<string>();
  private readonly lostListeners = new Set<(err: SessionLostError) => void>();
  private readonly lease: Lease;
  private readonly granted: Promise<GrantedLease>;
  private grantedLease: GrantedLease | undefined;
  private lostError: SessionLostError | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  /** Monotonic time the last keepalive etcd answered (or the grant) was sent. */
  private lastAlive = 0;
  private serial = 0;
  /** Contenders (held or queued) using this session. */
  private users = 0;
  /** A retired session takes no new users (e.g. a release failed and left a key on it). */
  private retired = false;
  private idleTimer: NodeJS.Timeout | undefined;

  /**
   * Grants a lease of `ttl` seconds on `client`. `ended` hears once the session has no use
   * any more (its pool then forgets it).
   */
  constructor(
    client: Namespace,
    /** Lease TTL in seconds. */
    readonly ttl: number,
    private readonly ended: (session: Session) => void = () => undefined,
  ) {
    // Keepalives are ours (not etcd3's): its loop runs on a referenced interval that would keep
    // the process alive, and declares loss only after 2 TTLs without an answer.
    this.lease = client.lease(ttl, { autoKeepAlive: false, ...callOptions() });
    this.lease.on('lost', (err: unknown) => this.markLost('etcd reported the lease lost', err));
    const sentAt = monotonicNow();
    this.granted = this.call('lease grant', () => this.lease.grant()).then((id) => {
      this.grantedLease = { id, hex: leaseHex(id) };
      this.lastAlive = sentAt;
      if (this.state === 'granting') this.state = 'live';
      this.scheduleKeepalive((this.ttl * 1000) / 3);
      return this.grantedLease;
    });
    this.granted.catch(() => undefined); // reported to whoever awaits grant(); 'lost' fires too
  }

  /** Resolves with the lease once granted; rejects if it could not be granted. */
  grant(): Promise<GrantedLease> {
    return this.granted;
  }

  /** The lease, if it was granted. */
  get grantedOrUndefined(): GrantedLease | undefined {
    return this.grantedLease;
  }

  /** Whether the lease is known to be gone. */
  get isLost(): boolean {
    return this.state === 'lost';
  }

  /** Whether new contenders may use this session. */
  get usable(): boolean {
    return (this.state === 'granting' || this.state === 'live') && !this.retired;
  }

  /** One more contender uses this session (an idle one is kept). */
  use(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.users++;
  }

  /** A contender no longer uses this session; the last one leaves it idle, or ends it if retired or lost. */
  unuse(): void {
    this.users--;
    if (this.users > 0) return;
    if (!this.usable) {
      this.end();
      return;
    }
    this.idleTimer = setTimeout(() => this.end(), IDLE_SESSION_MS);
    // An idle session never keeps the process alive (its lease expires after the TTL).
    this.idleTimer.unref();
  }

  /** Takes the session out of use for new contenders; it ends when its last one leaves. */
  retire(): void {
    this.retired = true;
    if (this.users <= 0) this.end();
  }

  /** A contender key for lock `prefix`, unique among the keys this session has out. */
  reserveKey(prefix: string, hex: string): string {
    let key = contenderKey(prefix, hex, 0);
    while (this.keys.has(key)) key = contenderKey(prefix, hex, ++this.serial);
    this.keys.add(key);
    return key;
  }

  /** Gives a key back once nothing of it can remain on the server. */
  freeKey(key: string): void {
    this.keys.delete(key);
  }

  /**
   * Calls `listener` once if the lease is lost (at once, asynchronously, if it already is).
   * Returns the unsubscribe function.
   */
  onLost(listener: (err: SessionLostError) => void): () => void {
    if (this.lostError) {
      const err = this.lostError;
      queueMicrotask(() => listener(err));
      return () => undefined;
    }
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Records that etcd refused the lease (e.g. a request said it was not found). */
  declareLost(why: string, cause: unknown): void {
    this.markLost(why, cause);
  }

  /**
   * Ends the session: stops keepalives and revokes the lease (which deletes any key still
   * attached to it). A lease that cannot be revoked expires after its TTL.
   */
  async close(): Promise<void> {
    this.cancelIdle();
    if (this.state === 'closed' || this.state === 'lost') return;
    this.state = 'closed';
    this.stopKeepalive();
    try {
      await this.granted;
      await this.call('lease revoke', () => this.lease.revoke(callOptions()));
    } catch (err) {
      debug('etcd: revoking lease (ttl %d s) failed, it will expire: %s', this.ttl, err);
    }
  }

  private end(): void {
    this.cancelIdle();
    this.ended(this);
    void this.close();
  }

  private cancelIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private scheduleKeepalive(delay: number): void {
    if (this.state !== 'live') return;
    this.keepaliveTimer = setTimeout(() => this.keepalive(), delay);
    // A lease alone must not keep the process alive; if the process exits, the lease expires.
    this.keepaliveTimer.unref();
  }

  private stopKeepalive(): void {
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
  }

  private keepalive(): void {
    const interval = (this.ttl * 1000) / 3;
    const sentAt = monotonicNow();
    const deadline = Date.now() + Math.min(REQUEST_TIMEOUT_MS, interval);
    this.call('keepalive', () => this.lease.keepaliveOnce({ deadline }))
      .then((res) => {
        if (res.TTL === '0') return; // expired: etcd3 emitted 'lost' already
        this.lastAlive = sentAt;
        this.scheduleKeepalive(interval);
      })
      .catch((err: unknown) => {
        if (this.state !== 'live') return;
        if (isLeaseInvalid(err)) return this.markLost('etcd says the lease expired or was revoked', err);
        // etcd counts the TTL from the last keepalive it received: past it, the keys are gone.
        if (monotonicNow() - this.lastAlive >= this.ttl * 1000) {
          this.markLost(`no keepalive reached etcd for the lease TTL (${this.ttl} s)`, err);
          // In case the lease survived after all (our clock, a slow answer), let it go.
          this.call('lease revoke', () => this.lease.revoke(callOptions())).catch(() => undefined);
          return;
        }
        debug('etcd: keepalive failed, retrying: %s', err);
        this.scheduleKeepalive(Math.min(interval, KEEPALIVE_RETRY_MS));
      });
  }

  /**
   * One call on the lease, always a promise that settles: a client that throws, returns a
   * non-promise or never answers (one that only looks like etcd3) cannot escape as an uncaught
   * exception from a timer, nor hold a keepalive loop or a close forever.
   */
  private call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return settleWithin(work(), CLIENT_SETTLE_LIMIT_MS, what);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private markLost(why: string, cause: unknown): void {
    if (this.state === 'lost' || this.state === 'closed') return;
    this.state = 'lost';
    const id = this.grantedLease ? ` ${this.grantedLease.hex}` : '';
    this.lostError = new SessionLostError(`etcd session lease${id} was lost: ${why}`, cause);
    this.stopKeepalive();
    debug('%s', this.lostError.message);
    // First, so that no listener's reaction (e.g. queueing again) is handed this dead lease.
    this.retire();
    for (const listener of [...this.lostListeners]) listener(this.lostError);
    this.lostListeners.clear();
  }
}
