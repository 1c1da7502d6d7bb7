/**
 * The client calls the backend makes, as promises with a deadline, each answer recorded by the
 * session's {@link Liveness} (an answer proves the session was alive when its request left).
 */
import type { Client, Event, Stat } from 'node-zookeeper-client';
import { monotonicNow } from '../../core/clock';
import type { Liveness } from './liveness';
import { REQUEST_TIMEOUT_MS, settleWithin } from './settings';

/** ZooKeeper error codes the backend acts on (node-zookeeper-client's `Exception` codes). */
export const NO_NODE = -101;
export const NODE_EXISTS = -110;
export const SESSION_EXPIRED = -112;
/** The connection dropped before the answer came (the request may or may not have been applied). */
export const CONNECTION_LOSS = -4;

/** ZooKeeper's code of a client error (`undefined` for another error, e.g. our deadline). */
export function errorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** `EPHEMERAL_SEQUENTIAL` of ZooKeeper's create modes. */
const EPHEMERAL_SEQUENTIAL = 3;

/** A watcher: called once with the event on the node (node-zookeeper-client watches are one-shot). */
export type Watcher = (event: Event) => void;

export class ZkCalls {
  constructor(
    readonly client: Client,
    private readonly liveness: Liveness,
  ) {}

  /** Creates the ephemeral sequential node `path<seq>`; resolves with the created path. */
  createEphemeralSequential(path: string, data: Buffer): Promise<string> {
    return this.call('create', (cb) => this.client.create(path, data, EPHEMERAL_SEQUENTIAL, cb));
  }

  /** Creates `path` and its missing parents as persistent nodes (they are left in place, as kazoo does). */
  mkdirp(path: string): Promise<string> {
    return this.call('mkdirp', (cb) => this.client.mkdirp(path, cb));
  }

  /** Deletes `path` (any version); resolves false if it did not exist. */
  async remove(path: string): Promise<boolean> {
    try {
      await this.call<void>('delete', (cb) => this.client.remove(path, -1, (err) => cb(err, undefined)));
      return true;
    } catch (err) {
      if (errorCode(err) === NO_NODE) return false;
      throw err;
    }
  }

  /** The children of `path`; `[]` when it does not exist. */
  async children(path: string): Promise<string[]> {
    try {
      return await this.call('getChildren', (cb) => this.client.getChildren(path, (err, children) => cb(err, children)));
    } catch (err) {
      if (errorCode(err) === NO_NODE) return [];
      throw err;
    }
  }

  /** Whether `path` exists; with `watcher`, also watches it (its deletion, or creation if absent). */
  async exists(path: string, watcher?: Watcher): Promise<boolean> {
    const stat = await this.call<Stat | null>('exists', (cb) =>
      watcher ? this.client.exists(path, watcher, cb) : this.client.exists(path, cb),
    );
    return stat !== null && stat !== undefined;
  }

  private call<T>(what: string, send: (cb: (err: unknown, value: T) => void) => void): Promise<T> {
    const sentAt = monotonicNow();
    const answer = new Promise<T>((resolve, reject) => {
      send((err, value) => {
        // A server error (no node, node exists) is an answer too: the session was alive.
        const code = errorCode(err);
        if (!err || code === NO_NODE || code === NODE_EXISTS) this.liveness.heard(sentAt);
        if (code === SESSION_EXPIRED) this.liveness.expired();
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve(value);
      });
    });
    return settleWithin(answer, REQUEST_TIMEOUT_MS, what);
  }
}
