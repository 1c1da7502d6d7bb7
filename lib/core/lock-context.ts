import type { Subject } from 'rxjs';
import type { LockDriver } from './driver';
import type { LockEvent } from './events';
import type { ResolvedLockOptions } from '../options';

/**
 * Everything the engine needs to know about one lock: resolved once by the facade (or by a
 * caller of the core), then shared by all acquisitions of that lock.
 */
export interface LockContext {
  /** Lock name as the user gave it. */
  readonly name: string;
  /** Backend key built by the backend's `keyFor`. */
  readonly key: string;
  /** Backend name, for messages. */
  readonly backend: string;
  readonly driver: LockDriver;
  readonly options: ResolvedLockOptions;
  /** The lock's own event stream (`Lock.events$`), if it has one; the library-wide stream gets every event anyway. */
  readonly events?: Subject<LockEvent>;
}
