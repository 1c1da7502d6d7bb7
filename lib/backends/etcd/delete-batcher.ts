/**
 * Deleting contender keys, owner-checked: a key is deleted only while it is still attached
 * to our lease (a key of the same name can only be ours while we hold its name, see
 * `Session.reserveKey`).
 *
 * Deletes are coalesced: every release that waits for a free request slot joins one
 * transaction (up to {@link MAX_DELETE_BATCH} keys, each compared to its lease), so that
 * thousands of acquisitions abandoned together cost a few dozen requests, not thousands. A
 * delete that fails is retried in the background (bounded in attempts) while the key's lease
 * lives: a queue key left behind would delay every later waiter of the lock for as long as
 * the lease is kept alive by other locks on the same session.
 */
import type { Namespace } from 'etcd3';
import type { Contender } from './contender';
import type { RequestGate } from './request-gate';
import {
  CLIENT_SETTLE_LIMIT_MS,
  DELETE_RETRY_ATTEMPTS,
  DELETE_RETRY_FIRST_MS,
  DELETE_RETRY_MAX_MS,
  MAX_DELETE_BATCH,
  callOptions,
  settleWithin,
} from './settings';

/** A lane of the request gate of its own: a storm of deletes takes one turn per round. */
const DELETE_LANE = '\u0000delete';

interface DeleteJob {
  readonly contender: Contender;
  /** The contender's key (it keeps the name reserved until the job is done). */
  readonly key: string;
  readonly leaseId: string;
  /** Failed attempts so far. */
  failures: number;
  /** The caller's promise, settled by the first attempt only. */
  settle: ((outcome: { deleted: boolean } | { error: unknown }) => void) | undefined;
}

/** Coalesces, sends and retries the deletes of one driver. */
export class DeleteBatcher {
  private pending: DeleteJob[] = [];
  private flushQueued = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly client: Namespace,
    private readonly gate: RequestGate,
  ) {}

  /**
   * Deletes `contender`'s key if it is still on lease `leaseId`; true if it was there. The key
   * name stays reserved (and the session in use) until the delete is confirmed or given up, so
   * no new contender can get the same key meanwhile; then the contender is forgotten.
   */
  delete(contender: Contender, leaseId: string): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.enqueue({
        contender,
        key: contender.key!,
        leaseId,
        failures: 0,
        settle: (o) => ('error' in o ? reject(o.error) : resolve(o.deleted)),
      });
    });
  }

  /** Stops retrying (the driver is closing: its sessions are revoked, which deletes the keys). */
  close(): void {
    this.closed = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    const jobs = this.pending.splice(0);
    for (const job of jobs) this.finish(job, { error: new Error('the etcd driver was closed') });
  }

  private enqueue(job: DeleteJob): void {
    this.pending.push(job);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushQueued || this.pending.length === 0) return;
    this.flushQueued = true;
    // Whatever piles up while this waits for a slot goes out in the same transaction.
    void this.gate
      .run(DELETE_LANE, () => {
        this.flushQueued = false;
        const batch = this.pending.splice(0, MAX_DELETE_BATCH);
        this.scheduleFlush();
        return this.send(batch);
      })
      .catch(() => undefined); // send() settles every job itself
  }

  /**
   * One transaction for `batch`. When some key is no longer ours (its lease expired, or
   * someone deleted it), the same transaction reads every key instead, and the keys still ours
   * go again; after {@link BATCH_ROUNDS} such rounds (a race with something deleting keys at
   * the same time), one request per key.
   */
  private async send(batch: DeleteJob[], round = 1): Promise<void> {
    if (batch.length === 0) return;
    const { client } = this;
    let res;
    try {
      const [first, ...rest] = batch;
      let txn = client.if(first!.key, 'Lease', '==', first!.leaseId);
      for (const job of rest) txn = txn.and(job.key, 'Lease', '==', job.leaseId);
      const sent = txn
        .then(...batch.map((job) => client.delete().key(job.key)))
        .else(...batch.map((job) => client.get(job.key)))
        .options(callOptions())
        .commit();
      res = await settleWithin(sent, CLIENT_SETTLE_LIMIT_MS, 'a delete');
    } catch (err) {
      for (const job of batch) this.failed(job, err);
      return;
    }
    let outcome: { succeeded: boolean; flags: boolean[] };
    try {
      // Read the whole answer before acting on it: one we cannot read (a client that only
      // looks like etcd3) leaves every outcome unknown.
      outcome = res.succeeded
        ? { succeeded: true, flags: batch.map((_, i) => Number(res.responses[i]!.response_delete_range.deleted) > 0) }
        : { succeeded: false, flags: batch.map((job, i) => res.responses[i]!.response_range.kvs[0]?.lease === job.leaseId) };
    } catch (err) {
      for (const job of batch) this.failed(job, err);
      return;
    }
    if (outcome.succeeded) {
      batch.forEach((job, i) => this.finish(job, { deleted: outcome.flags[i]! }));
      return;
    }
    const stillOurs: DeleteJob[] = [];
    batch.forEach((job, i) => (outcome.flags[i] ? stillOurs.push(job) : this.finish(job, { deleted: false })));
    if (round < BATCH_ROUNDS) return this.send(stillOurs, round + 1);
    for (let i = 0; i < stillOurs.length; i += PER_KEY_PARALLEL) {
      await Promise.all(stillOurs.slice(i, i + PER_KEY_PARALLEL).map((job) => this.sendOne(job)));
    }
  }

  private async sendOne(job: DeleteJob): Promise<void> {
    const { client } = this;
    try {
      const sent = client
        .if(job.key, 'Lease', '==', job.leaseId)
        .then(client.delete().key(job.key))
        .options(callOptions())
        .commit();
      const res = await settleWithin(sent, CLIENT_SETTLE_LIMIT_MS, 'a delete');
      const deleted = res.succeeded && Number(res.responses[0]?.response_delete_range?.deleted ?? 0) > 0;
      this.finish(job, { deleted });
    } catch (err) {
      this.failed(job, err);
    }
  }

  private failed(job: DeleteJob, err: unknown): void {
    const settle = job.settle;
    job.settle = undefined;
    settle?.({ error: err });
    job.failures++;
    const session = job.contender.session;
    if (this.closed || session.isLost || job.failures >= DELETE_RETRY_ATTEMPTS) {
      // Given up (or the lease is gone, and the key with it): stop giving this lease to new
      // contenders and let it go (revoke, or expiry after its TTL) once its last contender
      // leaves, so the key cannot block the lock forever.
      session.retire();
      job.contender.forget();
      return;
    }
    const delay = Math.min(DELETE_RETRY_MAX_MS, DELETE_RETRY_FIRST_MS * 2 ** (job.failures - 1));
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.closed) return;
      this.enqueue(job);
    }, delay * (0.5 + Math.random() / 2));
    // A retry alone must not keep the process alive: if the process exits, the lease expires.
    timer.unref();
    this.retryTimers.add(timer);
  }

  private finish(job: DeleteJob, outcome: { deleted: boolean } | { error: unknown }): void {
    const settle = job.settle;
    job.settle = undefined;
    job.contender.forget();
    settle?.(outcome);
  }
}

/** Batched attempts before falling back to one delete per key. */
const BATCH_ROUNDS = 2;

/** How many per-key deletes run at once inside one request slot, after a batch's compare failed. */
const PER_KEY_PARALLEL = 8;
