/**
 * One acquisition's contender key on etcd (its place in the lock's queue, or the lock itself),
 * following Go's `concurrency.Mutex`: put `P/<lease hex>` attached to the session lease if it
 * does not exist yet, and read the queue in the same transaction; we hold the lock when our
 * key has the lowest create revision under `P/`. A busy attempt keeps the key: it is our
 * place in the FIFO queue.
 */
import type { Namespace } from 'etcd3';
import type { AcquireAttempt, LockTarget } from '../../core/driver';
import type { DeleteBatcher } from './delete-batcher';
import { contendersIn, isContenderOf, revision, waitersPrefix, type QueuedKey } from './keys';
import type { RequestGate } from './request-gate';
import { isLeaseInvalid, type GrantedLease, type Session } from './session';
import type { SessionPool } from './session-pool';
import { callOptions, ttlFor } from './settings';

/**
 * - `joining`: waiting for its session's lease; no key name yet, nothing sent;
 * - `unconfirmed`: has its key name; its put waits for a request slot, is in flight, or its
 *   answer was lost (the key may exist: the next attempt puts again, adopting it);
 * - `queued` / `holding`: the key exists, created at {@link Contender.createRevision};
 * - `releasing`: the acquisition let go: a put not sent yet never is, and a deletion of the
 *   key is not a loss;
 * - `gone`: nothing of it can remain on the server; its key name and session are given back.
 */
export type ContenderState = 'joining' | 'unconfirmed' | 'queued' | 'holding' | 'releasing' | 'gone';

/** The driver's collaborators a contender works with (fixed for the driver's life). */
export interface ContenderContext {
  readonly client: Namespace;
  /**
   * Length in bytes of the client's key prefix (an `etcd3` `Namespace` prepends one): keys in
   * transaction responses come back raw, with it.
   */
  readonly rawPrefixLength: number;
  readonly gate: RequestGate;
  readonly sessions: SessionPool;
  readonly deletes: DeleteBatcher;
}

/**
 * The contender key just ahead of ours (the largest create revision below ours) as one read
 * saw it: the only key a waiter watches, like Go's `waitDeletes`.
 */
export interface Predecessor {
  readonly key: string;
  readonly createRevision: bigint;
  /**
   * Revision of the read that saw it: the key existed then, so the first deletion of that key
   * name a watch from `seenAt + 1` reports is this very key's.
   */
  readonly seenAt: bigint;
}

const queued = (): AcquireAttempt => ({ acquired: false, queued: true });

export class Contender {
  private current: ContenderState = 'joining';
  private sessionInUse: Session;
  private keyName: string | undefined;
  /** Create revision of our key once it is known to exist. */
  private revision: bigint | undefined;
  /** Whether a put of our key was sent (else there is nothing to delete). */
  private sent = false;
  /** The put in flight, if any (settles, never rejects): a release waits for it. */
  private inFlight: Promise<unknown> | undefined;
  /** The key ahead of ours at the last read, while queued. */
  private ahead: Predecessor | undefined;
  /** Whether a connected watch on {@link ahead} covers every deletion since it was read. */
  private aheadWatched = false;
  private readonly aheadListeners = new Set<() => void>();

  constructor(
    private readonly ctx: ContenderContext,
    readonly target: LockTarget,
  ) {
    this.sessionInUse = ctx.sessions.use(ttlFor(target.expire));
  }

  get state(): ContenderState {
    return this.current;
  }

  /** `P/<lease hex>[_n]` relative to the client's namespace, once the lease is granted. */
  get key(): string | undefined {
    return this.keyName;
  }

  get createRevision(): bigint | undefined {
    return this.revision;
  }

  /** The session whose lease the key is attached to (a new one after `rejoin`). */
  get session(): Session {
    return this.sessionInUse;
  }

  /** The key just ahead of ours while queued (undefined at the head, or before our key exists). */
  get predecessor(): Predecessor | undefined {
    return this.ahead;
  }

  /** Calls `listener` whenever {@link predecessor} (or the session) changes; returns the unsubscribe function. */
  onPredecessorChange(listener: () => void): () => void {
    this.aheadListeners.add(listener);
    return () => this.aheadListeners.delete(listener);
  }

  /**
   * A watch on `ahead` is connected (true), or it saw the key go, failed or stopped (false).
   * While true, an attempt needs no request: the queue ahead of us is as last read.
   */
  watchingPredecessor(ahead: Predecessor, watched: boolean): void {
    if (this.ahead === ahead) this.aheadWatched = watched;
  }

  /** Whether its acquisition let go (a deletion of the key is then ours, not a loss). */
  get isLettingGo(): boolean {
    return this.current === 'releasing' || this.current === 'gone';
  }

  /** One attempt: join the queue (once), or look whether we reached its head. */
  async tryAcquire(): Promise<AcquireAttempt> {
    if (this.current !== 'joining' && !this.sessionInUse.isLost) {
      if (this.revision === undefined) return this.put(await this.sessionInUse.grant());
      // Keys ahead of ours can only go (later ones are created behind us): while our watch on
      // the one just ahead has not seen it go, we are still queued, and etcd need not be asked.
      if (this.current === 'queued' && this.aheadWatched) return queued();
      const read = await this.readQueue();
      if (read.queue.some((q) => q.key === this.keyName && q.createRevision === this.revision)) return this.decide(read.queue, read.revision);
      // Our key is gone (deleted behind our back, or its lease expired): queue again, at the back.
    }
    if (this.current !== 'joining') this.rejoin();
    try {
      return await this.join();
    } catch (err) {
      // A lease revoked between its grant and our put: etcd refuses the put, so nothing was
      // created; one more try on a fresh session.
      if (!isLeaseInvalid(err) || this.current !== 'unconfirmed') throw err;
      this.rejoin();
      return await this.join();
    }
  }

  /** The acquisition gave up: a put not sent yet never will be. Its release still follows. */
  abandon(): void {
    if (this.current !== 'gone') this.current = 'releasing';
  }

  /** Deletes our key, owner-checked; true if it was there. */
  async release(): Promise<boolean> {
    this.abandon();
    await this.inFlight;
    if (this.current === 'gone') return false;
    const lease = this.sessionInUse.grantedOrUndefined;
    if (!lease || !this.sent) {
      // No put was sent (or its lease was never granted): no key was ever written.
      this.forget();
      return false;
    }
    return this.ctx.deletes.delete(this, lease.id);
  }

  /** Our key and its create revision while it may exist on a live session (what a renewal checks). */
  get liveKey(): { key: string; createRevision: bigint } | undefined {
    if (this.keyName === undefined || this.revision === undefined || this.sessionInUse.isLost) return undefined;
    return { key: this.keyName, createRevision: this.revision };
  }

  /** Whether our key still exists as we created it (the session keepalive does the renewing). */
  async stillExists(): Promise<boolean> {
    const key = this.keyName;
    if (key === undefined || this.revision === undefined || this.sessionInUse.isLost) return false;
    const res = await this.ctx.gate.run(this.target.key, () => this.ctx.client.get(key).options(callOptions()).exec());
    const kv = res.kvs[0];
    return kv !== undefined && revision(kv.create_revision) === this.revision;
  }

  /** Gives the key name and the session back: nothing of this contender remains on etcd. */
  forget(): void {
    if (this.current === 'gone') return;
    this.current = 'gone';
    this.leaveSession();
  }

  /** Waits for the session lease, then puts our key under it. */
  private async join(): Promise<AcquireAttempt> {
    let lease;
    try {
      lease = await this.sessionInUse.grant();
    } catch (err) {
      this.forget();
      throw err;
    }
    if (this.current !== 'joining') throw abandonedError();
    this.keyName = this.sessionInUse.reserveKey(this.target.key, lease.hex);
    this.current = 'unconfirmed';
    return this.put(lease);
  }

  /** Creates our key (unless it exists) and reads the queue, in one transaction. */
  private async put(lease: GrantedLease): Promise<AcquireAttempt> {
    const { client, gate } = this.ctx;
    const key = this.keyName!;
    const prefix = waitersPrefix(this.target.key);
    // Created now, our key is the newest: the two newest keys say whether one is ahead of us.
    const tail = client.getAll().prefix(prefix).sort('Create', 'Descend').limit(2);
    // Adopted, keys created after ours may exist: the whole queue.
    const wholeQueue = client.getAll().prefix(prefix).sort('Create', 'Ascend');
    const sent = gate.run(this.target.key, () => {
      // Released while waiting for a slot (its caller gave up): nothing was written, send nothing.
      if (this.current !== 'unconfirmed') throw abandonedError();
      this.sent = true;
      const txn = client
        .if(key, 'Create', '==', 0)
        .then(client.put(key).value('').lease(lease.id), tail)
        // The key exists: an earlier request of ours that went through although its answer was lost.
        .else(client.get(key), wholeQueue)
        .options(callOptions())
        .commit();
      this.inFlight = Promise.resolve(txn).catch(() => undefined);
      return txn;
    });
    let res;
    try {
      res = await sent;
    } catch (err) {
      if (isLeaseInvalid(err)) this.sessionInUse.declareLost('etcd refused a put on it', err);
      throw err;
    }
    if (res.succeeded) {
      this.revision = revision(res.header.revision);
    } else {
      const existing = res.responses[0]?.response_range.kvs[0];
      if (!existing || existing.lease !== lease.id) {
        throw new Error(`etcd key "${key}" exists but is not attached to our lease ${lease.hex}`);
      }
      this.revision = revision(existing.create_revision);
    }
    const kvs = res.responses[1]!.response_range.kvs;
    const queue = contendersIn(this.target.key, kvs, this.ctx.rawPrefixLength);
    // A deeper key (another lock's) among the two newest hides who is ahead: read the queue.
    if (res.succeeded && queue.length < kvs.length) {
      const read = await this.readQueue();
      return this.decide(read.queue, read.revision);
    }
    return this.decide(queue, revision(res.header.revision));
  }

  /**
   * Our key and the one just ahead of it (the two newest created no later than ours: those
   * after us cannot matter), with the revision of the read. The whole queue up to ours when
   * deeper keys (other locks') are in the way.
   */
  private async readQueue(): Promise<{ queue: QueuedKey[]; revision: bigint }> {
    const { client, gate } = this.ctx;
    const read = (limit: number | undefined) =>
      gate.run(this.target.key, () => {
        const range = client
          .getAll()
          .prefix(waitersPrefix(this.target.key))
          .sort('Create', 'Descend')
          .maxCreateRevision(String(this.revision));
        return (limit === undefined ? range : range.limit(limit)).options(callOptions()).exec();
      });
    let res = await read(2);
    if (res.kvs.some((kv) => !isContenderOf(this.target.key, kv.key.toString('utf8')))) res = await read(undefined);
    return { queue: contendersIn(this.target.key, res.kvs), revision: revision(res.header.revision) };
  }

  /** `queue`: contenders up to ours (or a tail of them ending with ours), read at `seenAt`. */
  private decide(queue: readonly QueuedKey[], seenAt: bigint): AcquireAttempt {
    const ours = this.revision!;
    const head = queue[0]?.createRevision === ours;
    if (this.current === 'unconfirmed' || this.current === 'queued' || this.current === 'holding') {
      this.current = head ? 'holding' : 'queued';
    }
    let ahead: QueuedKey | undefined;
    for (const q of queue) if (q.createRevision < ours) ahead = q;
    this.setPredecessor(ahead && !head ? { key: ahead.key, createRevision: ahead.createRevision, seenAt } : undefined);
    // Create revisions grow with every write in the cluster: a strictly increasing fencing token.
    return head ? { acquired: true, fencingToken: Number(ours) } : queued();
  }

  private setPredecessor(ahead: Predecessor | undefined): void {
    if (ahead === undefined && this.ahead === undefined) return;
    this.ahead = ahead;
    this.aheadWatched = false;
    for (const listener of [...this.aheadListeners]) listener();
  }

  /** Starts over on a fresh session (ours is lost, or our key is gone): back to `joining`. */
  private rejoin(): void {
    if (this.isLettingGo) {
      this.forget();
      throw abandonedError();
    }
    const fresh = this.ctx.sessions.use(ttlFor(this.target.expire));
    this.leaveSession();
    this.sessionInUse = fresh;
    this.current = 'joining';
  }

  private leaveSession(): void {
    this.setPredecessor(undefined);
    if (this.keyName !== undefined) this.sessionInUse.freeKey(this.keyName);
    this.keyName = undefined;
    this.revision = undefined;
    this.sent = false;
    this.inFlight = undefined;
    this.sessionInUse.unuse();
  }
}

function abandonedError(): Error {
  return new Error('the acquisition was abandoned before its request was sent');
}
