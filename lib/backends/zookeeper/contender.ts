/**
 * One acquisition's contender node in a lock's queue, following kazoo's `Lock`: create the
 * ephemeral sequential child `<token>__lock__<seq>` under the lock node (creating the lock node
 * if missing), list the children, and hold the lock when ours has the lowest sequence. A busy
 * attempt keeps the node: it is our place in the FIFO queue, and our predecessor is the only
 * node we watch.
 */
import { hostname } from 'node:os';
import type { AcquireAttempt, LockTarget } from '../../core/driver';
import { monotonicNow } from '../../core/clock';
import { CONNECTION_LOSS, NO_NODE, errorCode, type ZkCalls } from './calls';
import { contenderPrefix, contendersIn } from './paths';
import { RECONNECT_RETRY_MS, REQUEST_TIMEOUT_MS } from './settings';

/**
 * - `new`: nothing sent;
 * - `unconfirmed`: a create was sent and its answer is not known (it may exist: found by our prefix);
 * - `queued` / `holding`: our node exists;
 * - `releasing`: the acquisition let go: a deletion of our node is not a loss;
 * - `gone`: nothing of it remains on the server.
 */
export type ContenderState = 'new' | 'unconfirmed' | 'queued' | 'holding' | 'releasing' | 'gone';

/** What kazoo shows as the identifier of our contenders (`Lock.contenders()`). */
const IDENTIFIER = Buffer.from(`sherlock-rx@${hostname()}:${process.pid}`);

export class Contender {
  private current: ContenderState = 'new';
  private nodeName: string | undefined;
  private predecessorName: string | undefined;
  /** The attempt in flight, if any (settles, never rejects): a release waits for it. */
  private inFlight: Promise<unknown> = Promise.resolve();
  private readonly queuedListeners = new Set<(predecessor: string) => void>();

  constructor(
    private readonly calls: ZkCalls,
    readonly target: LockTarget,
  ) {}

  get state(): ContenderState {
    return this.current;
  }

  /** Full path of our node, once known. */
  get path(): string | undefined {
    return this.nodeName === undefined ? undefined : `${this.target.key}/${this.nodeName}`;
  }

  /** Full path of the contender just ahead of us at the last attempt (the one to watch). */
  get predecessor(): string | undefined {
    return this.predecessorName === undefined ? undefined : `${this.target.key}/${this.predecessorName}`;
  }

  /** Whether its acquisition let go (a deletion of our node is then ours, not a loss). */
  get isLettingGo(): boolean {
    return this.current === 'releasing' || this.current === 'gone';
  }

  /** Hears the predecessor's full path after every attempt that left us queued. */
  onQueued(listener: (predecessor: string) => void): () => void {
    this.queuedListeners.add(listener);
    return () => this.queuedListeners.delete(listener);
  }

  /** One attempt: join the queue (once), then look whether we are at its head. */
  tryAcquire(): Promise<AcquireAttempt> {
    const attempt = throughReconnects(() => this.attempt(), () => this.isLettingGo);
    this.inFlight = attempt.catch(() => undefined);
    return attempt;
  }

  /** The acquisition gave up: no further create is sent. Its release still follows. */
  abandon(): void {
    if (this.current !== 'gone') this.current = 'releasing';
  }

  /** Deletes our node (held or queued); true if it was there. */
  async release(): Promise<boolean> {
    const mayExist = this.current !== 'new';
    this.abandon();
    await this.inFlight;
    if (this.current === 'gone' || !mayExist) return this.forget(false);
    return this.forget(
      await throughReconnects(async () => {
        // A create whose answer was lost may still have made our node: find it by our prefix.
        this.nodeName ??= await this.findOurs();
        return this.nodeName !== undefined && (await this.calls.remove(this.path!));
      }),
    );
  }

  /** Whether our node still exists (the session keeps it; renewing only checks). */
  async stillExists(): Promise<boolean> {
    const path = this.path;
    if (path === undefined || this.current !== 'holding') return false;
    return this.calls.exists(path);
  }

  private async attempt(): Promise<AcquireAttempt> {
    if (this.isLettingGo) throw abandonedError();
    if (this.current === 'unconfirmed') this.nodeName = await this.findOurs();
    if (this.nodeName === undefined) await this.create();
    let queue = contendersIn(await this.calls.children(this.target.key));
    if (!queue.some((c) => c.node === this.nodeName)) {
      // Our node is gone (deleted by an operator, or the session expired and a new one
      // replaced it): queue again, at the back, as kazoo does.
      this.nodeName = undefined;
      await this.create();
      queue = contendersIn(await this.calls.children(this.target.key));
    }
    return this.decide(queue);
  }

  private decide(queue: ReturnType<typeof contendersIn>): AcquireAttempt {
    const at = queue.findIndex((c) => c.node === this.nodeName);
    if (at < 0) throw new Error(`ZooKeeper: our node ${this.path} vanished right after it was created`);
    const ours = queue[at]!;
    const head = at === 0;
    if (!this.isLettingGo) this.current = head ? 'holding' : 'queued';
    if (head) {
      this.predecessorName = undefined;
      // The sequence grows with every child created under the lock node: strictly increasing
      // per lock (see the README for why not the creation zxid).
      return { acquired: true, fencingToken: Number(ours.sequence) };
    }
    this.predecessorName = queue[at - 1]!.node;
    const predecessor = this.predecessor!;
    for (const listener of [...this.queuedListeners]) listener(predecessor);
    return { acquired: false, queued: true };
  }

  /** Creates our node, and the lock node first when it is missing (left in place, as kazoo does). */
  private async create(): Promise<void> {
    if (this.isLettingGo) throw abandonedError();
    const prefix = `${this.target.key}/${contenderPrefix(this.target.token)}`;
    this.current = 'unconfirmed';
    let created: string;
    try {
      created = await this.calls.createEphemeralSequential(prefix, IDENTIFIER);
    } catch (err) {
      if (errorCode(err) !== NO_NODE) throw err;
      await this.calls.mkdirp(this.target.key);
      created = await this.calls.createEphemeralSequential(prefix, IDENTIFIER);
    }
    this.nodeName = created.slice(this.target.key.length + 1);
  }

  /** Our node's name if it exists (a create answered or not), found by our token prefix. */
  private async findOurs(): Promise<string | undefined> {
    const prefix = contenderPrefix(this.target.token);
    return (await this.calls.children(this.target.key)).find((c) => c.startsWith(prefix));
  }

  private forget(result: boolean): boolean {
    this.current = 'gone';
    this.nodeName = undefined;
    this.predecessorName = undefined;
    this.queuedListeners.clear();
    return result;
  }
}

/**
 * `work`, again after a dropped connection (as kazoo's `KazooRetry` does): the client reconnects
 * within the session by itself and queues what we send meanwhile. Bounded by
 * {@link REQUEST_TIMEOUT_MS}, after which the error goes to the core; never retried once
 * `stop()` says so (the acquisition let go).
 */
async function throughReconnects<T>(work: () => Promise<T>, stop: () => boolean = () => false): Promise<T> {
  const giveUpAt = monotonicNow() + REQUEST_TIMEOUT_MS;
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (errorCode(err) !== CONNECTION_LOSS || stop() || monotonicNow() >= giveUpAt) throw err;
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_RETRY_MS));
    }
  }
}

function abandonedError(): Error {
  return new Error('the acquisition was abandoned before its request was sent');
}
