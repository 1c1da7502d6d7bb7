import { Subject, type Observable } from 'rxjs';
import type { LockError, LockLostError } from '../errors';

/**
 * Fields every {@link LockEvent} carries, so that the events of one acquisition can be told
 * apart and correlated.
 *
 * @example
 * ```ts
 * lockEvents$.subscribe((e: LockEventBase) => console.log(e.at, e.type, e.name, e.owner));
 * ```
 */
export interface LockEventBase {
  /** Lock name as given to the lock. */
  readonly name: string;
  /** Backend name (`redis`, `memcached`, `etcd`, `memory`, ...). */
  readonly backend: string;
  /** Backend key of the lock (e.g. `namespace_name`). */
  readonly key: string;
  /** Wall-clock time of the event: `Date.now()` milliseconds. */
  readonly at: number;
  /**
   * The first characters of the acquisition's owner token followed by `…`: enough to
   * correlate the events of one acquisition, never the token itself (a token is a capability:
   * whoever has it can release the lock).
   */
  readonly owner: string;
}

/**
 * An acquisition started (a subscription to `acquire$()`, or `acquire()`, `hold()`, `run()`).
 *
 * @example
 * ```ts
 * lockEvents$.pipe(filter((e): e is LockAcquiringEvent => e.type === 'acquiring')).subscribe((e) => log(e.timeout));
 * ```
 */
export interface LockAcquiringEvent extends LockEventBase {
  /** The discriminant: `acquiring`. */
  readonly type: 'acquiring';
  /** How long it will wait, in ms: `0` for one attempt, `Infinity` to wait forever (`null` in JSON). */
  readonly timeout: number;
}

/**
 * A blocking acquisition is still waiting: emitted every {@link WAITING_EVENT_INTERVAL} ms
 * after its first busy answer, until it is granted, times out or is cancelled.
 *
 * @example
 * ```ts
 * lockEvents$.subscribe((e) => { if (e.type === 'waiting') console.log(`${e.name}: ${e.elapsedMs} ms, ${e.attempts} attempts`); });
 * ```
 */
export interface LockWaitingEvent extends LockEventBase {
  /** The discriminant: `waiting`. */
  readonly type: 'waiting';
  /** Milliseconds since the acquisition started. */
  readonly elapsedMs: number;
  /** Attempts sent to the backend so far. */
  readonly attempts: number;
}

/**
 * The lock was granted.
 *
 * @example
 * ```ts
 * lockEvents$.subscribe((e) => { if (e.type === 'acquired') waitHistogram.record(e.waitMs); });
 * ```
 */
export interface LockAcquiredEvent extends LockEventBase {
  /** The discriminant: `acquired`. */
  readonly type: 'acquired';
  /** Milliseconds from the start of the acquisition to the grant. */
  readonly waitMs: number;
  /** Attempts sent to the backend, the granting one included. */
  readonly attempts: number;
  /** The grant's fencing token (see `LockHandle.fencingToken`); a bigint on etcd, undefined where the backend has none. */
  readonly fencingToken: number | bigint | undefined;
}

/**
 * A renewal (automatic or `renew()`) extended the lock.
 *
 * @example
 * ```ts
 * lockEvents$.subscribe((e) => { if (e.type === 'renewed') console.log(`valid for ${e.validForMs} ms more`); });
 * ```
 */
export interface LockRenewedEvent extends LockEventBase {
  /** The discriminant: `renewed`. */
  readonly type: 'renewed';
  /** Milliseconds from now to the new local validity deadline; `null` for a lock without expiry. */
  readonly validForMs: number | null;
}

/**
 * A renewal could not reach the backend. Automatic renewal retries until the validity
 * deadline decides; a `lost` event follows if it never gets through.
 *
 * @example
 * ```ts
 * lockEvents$.subscribe((e) => { if (e.type === 'renew-failed') console.warn(e.error.message); });
 * ```
 */
export interface LockRenewFailedEvent extends LockEventBase {
  /** The discriminant: `renew-failed`. */
  readonly type: 'renew-failed';
  /** The failure (a `LockBackendError`, its `cause` the client's error with secrets removed). */
  readonly error: LockError;
  /** Milliseconds until the automatic retry, or `null` when none follows (a manual `renew()`). */
  readonly retryInMs: number | null;
}

/**
 * The lock was lost while held: expired without a renewal, taken by another owner, deleted
 * by force, or reported lost by the backend.
 *
 * @example
 * ```ts
 * lockEvents$.subscribe((e) => { if (e.type === 'lost') alert(`${e.name} lost: ${e.reason}`); });
 * ```
 */
export interface LockLostEvent extends LockEventBase {
  /** The discriminant: `lost`. */
  readonly type: 'lost';
  /** Why, in words (the end of the `LockLostError` message). */
  readonly reason: string;
  /** The error the holder receives. */
  readonly error: LockLostError;
  /**
   * How long before the local validity deadline the loss was detected, in ms (`0` when the
   * deadline itself detected it); `null` for a lock without expiry.
   */
  readonly beforeDeadlineMs: number | null;
  /** Milliseconds the lock had been held. */
  readonly heldMs: number;
}

/**
 * The holder released the lock, and it was still its own.
 *
 * @example
 * ```ts
 * lockEvents$.subscribe((e) => { if (e.type === 'released') console.log(`held ${e.heldMs} ms`); });
 * ```
 */
export interface LockReleasedEvent extends LockEventBase {
  /** The discriminant: `released`. */
  readonly type: 'released';
  /** Milliseconds from the grant to the release. */
  readonly heldMs: number;
}

/**
 * The acquisition gave up: not granted within its timeout (`LockTimeoutError`), or a single
 * attempt (`acquire(false)`, `timeout: 0`) found the lock busy.
 *
 * @example
 * ```ts
 * lockEvents$.subscribe((e) => { if (e.type === 'timed-out') console.log(`${e.name} busy after ${e.waitMs} ms`); });
 * ```
 */
export interface LockTimedOutEvent extends LockEventBase {
  /** The discriminant: `timed-out`. */
  readonly type: 'timed-out';
  /** The timeout that passed, in ms. */
  readonly timeout: number;
  /** Milliseconds waited. */
  readonly waitMs: number;
  /** Attempts sent to the backend. */
  readonly attempts: number;
}

/**
 * A backend call failed (acquire, release or renew; a renewal failure is `renew-failed`).
 *
 * @example
 * ```ts
 * lockEvents$.subscribe((e) => { if (e.type === 'backend-error') console.error(e.operation, e.error.message); });
 * ```
 */
export interface LockBackendErrorEvent extends LockEventBase {
  /** The discriminant: `backend-error`. */
  readonly type: 'backend-error';
  /** What was being done. */
  readonly operation: 'acquire' | 'release';
  /** The failure (a `LockBackendError`, its `cause` the client's error with secrets removed). */
  readonly error: LockError;
}

/**
 * A lifecycle event of a lock, discriminated by `type`. Every event carries the
 * {@link LockEventBase} fields; durations are milliseconds. One acquisition emits `acquiring`,
 * then `waiting` (periodically, while blocked), then `acquired`, `timed-out` or
 * `backend-error`; a hold emits `renewed` / `renew-failed` and ends with `released` or `lost`
 * (or `backend-error` when the release itself failed).
 *
 * @example
 * ```ts
 * import { lockEvents$, type LockEvent } from 'sherlock-rx';
 *
 * function describe(e: LockEvent): string {
 *   switch (e.type) {
 *     case 'acquired': return `${e.name} granted after ${e.waitMs} ms`;
 *     case 'lost': return `${e.name} lost: ${e.reason}`;
 *     default: return `${e.name} ${e.type}`;
 *   }
 * }
 * lockEvents$.subscribe((e) => console.log(describe(e)));
 * ```
 */
export type LockEvent =
  | LockAcquiringEvent
  | LockWaitingEvent
  | LockAcquiredEvent
  | LockRenewedEvent
  | LockRenewFailedEvent
  | LockLostEvent
  | LockReleasedEvent
  | LockTimedOutEvent
  | LockBackendErrorEvent;

/**
 * Milliseconds between two `waiting` events of one blocked acquisition.
 *
 * @example
 * ```ts
 * // A wait of 3.5 s emits three `waiting` events, at about 1, 2 and 3 s.
 * console.log(WAITING_EVENT_INTERVAL); // 1000
 * ```
 */
export const WAITING_EVENT_INTERVAL = 1_000;

/** Internal: the library-wide stream's source. */
export const allLockEvents = new Subject<LockEvent>();

/**
 * The lifecycle events of every lock in this process (every instance, every backend). Hot: a
 * subscriber sees the events emitted while it is subscribed, none from before. Costs nothing
 * while nobody subscribes (no event object is built).
 *
 * @example
 * ```ts
 * import { lockEvents$ } from 'sherlock-rx';
 *
 * const sub = lockEvents$.subscribe((e) => console.log(JSON.stringify({ ...e, error: e.type === 'lost' ? e.error.message : undefined })));
 * // ... later
 * sub.unsubscribe();
 * ```
 */
export const lockEvents$: Observable<LockEvent> = allLockEvents.asObservable();
