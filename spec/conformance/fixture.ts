/**
 * What a backend's test file hands to the conformance suite.
 */
import type { BackendDescriptor } from '../../lib/core/driver';

export interface ConformanceFixture {
  /** The backend under test. */
  readonly backend: BackendDescriptor;
  /** The client given to every lock (undefined: the backend's default client). */
  readonly client?: unknown;
  /** Deletes a lock's key behind the library's back, as an expiry or an operator would. */
  forceDelete(key: string): Promise<void>;
  /** Whether the backend provides fencing tokens. */
  readonly fencing: boolean;
  /** Whether the backend wakes waiters on release (else they poll). */
  readonly releaseNotification: boolean;
  /**
   * How long after the local expiry (in ms) the backend may still refuse another owner
   * (memcached keeps an item up to ~2 s longer than `expire`). 0 where the core deletes the key.
   */
  readonly serverExpirySlack: number;
  /** A prefix unique to this run, so repeated runs against a shared server do not collide. */
  readonly prefix: string;
}
