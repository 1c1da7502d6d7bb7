/**
 * The seam between the scenarios and the libraries measured: each library is wrapped in a thin
 * adapter with the same two verbs, so a scenario times every library with the same loop.
 */
import type { Redis } from 'ioredis';

/** Opens and closes the clients a scenario hands to the peers. */
export interface Connector<C> {
  open(): Promise<C>;
  close(clients: readonly C[]): Promise<void>;
}

/** Lock lifetime used by every peer in the cycle and handoff scenarios (long enough never to expire there). */
export const BENCH_TTL_MS = 10_000;

/** One contender's hold on one lock, through one library. */
export interface PeerLock {
  /**
   * Acquires with the library's own wait and retry policy. Resolves false when the library
   * gave up (its own timeout or attempt limit) or when `signal` aborted the wait.
   */
  acquire(signal?: AbortSignal): Promise<boolean>;
  /** Releases the lock this contender holds, and waits for the server. */
  release(): Promise<void>;
  /** Frees what the contender set up for itself (e.g. a lease), after its last release. */
  dispose?(): Promise<void>;
}

/** A library (or the raw baseline) as the scenarios see it, over clients of type `C`. */
export interface Peer<C = Redis> {
  /** Row label in the report. */
  readonly name: string;
  /** Short id used as the key in results/latest.json. */
  readonly id: string;
  /** A new contender for lock `key` talking through `client` (the caller owns and closes it). */
  contender(client: C, key: string): PeerLock;
}

/** A library holding many locks at once with automatic renewal (the renewal scenario). */
export interface RenewingPeer<C = Redis> {
  readonly name: string;
  readonly id: string;
  /** How often the library renews one lock of lifetime `expireMs`, in ms. */
  renewPeriodMs(expireMs: number): number;
  /**
   * Acquires a lock on every key (free keys) with renewal on. Resolves with a function that
   * releases them all and resolves with how many had been lost meanwhile.
   */
  holdAll(client: C, keys: readonly string[], expireMs: number): Promise<() => Promise<number>>;
}
