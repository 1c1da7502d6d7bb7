/**
 * Typed errors. Every error the library raises is a {@link LockError} with a stable
 * `code`; checks should use the `isLockError`-style guards (or `code`), which keep working
 * when two copies of the package end up in one process (an `instanceof` would not).
 */

/**
 * Stable error codes, one per error class.
 *
 * @example
 * ```ts
 * import { LockErrorCode, isLockError } from 'sherlock-rx';
 *
 * // Codes stay stable across versions and copies of the package, so metrics can key on them.
 * if (isLockError(err) && err.code === LockErrorCode.BACKEND) metrics.increment('lock.backend_down');
 * ```
 */
export const LockErrorCode = {
  /** A {@link LockError} of no more specific kind. */
  GENERIC: 'ELOCK',
  /** {@link LockTimeoutError}: not acquired within the timeout (or busy, non-blocking). */
  TIMEOUT: 'ELOCKTIMEOUT',
  /** {@link LockLostError}: a held lock expired, was taken over or could not be renewed in time. */
  LOST: 'ELOCKLOST',
  /** {@link LockNotOwnedError}: a release or renewal of a lock this caller does not hold. */
  NOT_OWNED: 'ELOCKNOTOWNED',
  /** {@link LockConfigurationError}: invalid options, names or clients, or a missing client library. */
  CONFIGURATION: 'ELOCKCONFIG',
  /** {@link LockBackendError}: the backend failed or did not answer in time. */
  BACKEND: 'ELOCKBACKEND',
} as const;

/**
 * One of the stable error codes: the type of `LockError.code`.
 *
 * @example
 * ```ts
 * import { isLockError, type LockErrorCode } from 'sherlock-rx';
 *
 * const pageOnCall: ReadonlySet<LockErrorCode> = new Set(['ELOCKLOST', 'ELOCKBACKEND']);
 * if (isLockError(err) && pageOnCall.has(err.code)) pager.trigger(err.message);
 * ```
 */
export type LockErrorCode = (typeof LockErrorCode)[keyof typeof LockErrorCode];

const BRAND = Symbol.for('sherlock-rx.LockError');

/**
 * Base class of every error raised by sherlock-rx.
 *
 * @example
 * ```ts
 * import { isLockError } from 'sherlock-rx';
 *
 * try {
 *   await lock.acquire();
 * } catch (err) {
 *   if (isLockError(err)) logger.warn({ code: err.code, lock: err.lockName }, err.message);
 *   throw err;
 * }
 * ```
 */
export class LockError extends Error {
  /** Stable machine-readable code, e.g. `ELOCKTIMEOUT`. */
  readonly code: LockErrorCode = LockErrorCode.GENERIC;
  /** Name of the lock concerned, when there is one. */
  readonly lockName: string | undefined;
  /** @internal Marks errors of any copy of the library, for {@link isLockError}. */
  readonly [BRAND] = true;

  constructor(message: string, options?: { lockName?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.lockName = options?.lockName;
    this.name = new.target.name;
  }
}

/**
 * A blocking acquire did not get the lock within its `timeout`.
 *
 * @example
 * ```ts
 * import { isLockTimeoutError } from 'sherlock-rx';
 *
 * // hold() has no `false` to answer, so a busy lock is a LockTimeoutError.
 * const handle = await lock.hold({ blocking: false }).catch((err: unknown) => {
 *   if (isLockTimeoutError(err)) return undefined;
 *   throw err;
 * });
 * ```
 */
export class LockTimeoutError extends LockError {
  override readonly code = LockErrorCode.TIMEOUT;
}

/**
 * A lock that was held is no longer held: its expiry passed without renewal, a renewal or
 * release found it gone or taken by another owner, or the backend reported its loss
 * (e.g. an etcd lease that expired).
 *
 * @example
 * ```ts
 * import { isLockLostError } from 'sherlock-rx';
 *
 * const handle = await lock.hold();
 * // A released lock aborts the signal too, with a plain LockError: only a loss is an alarm.
 * handle.signal.addEventListener('abort', () => {
 *   if (isLockLostError(handle.signal.reason)) upload.cancel();
 * });
 * ```
 */
export class LockLostError extends LockError {
  override readonly code = LockErrorCode.LOST;
}

/**
 * `release()` or `renew()` on a lock this instance does not hold (never acquired, or already released).
 *
 * @example
 * ```ts
 * import { MemoryLock } from 'sherlock-rx';
 *
 * const lock = new MemoryLock('cache-warmup');
 * // Rejects with LockNotOwnedError: renew() is for a lock this instance holds.
 * await lock.renew();
 * ```
 */
export class LockNotOwnedError extends LockError {
  override readonly code = LockErrorCode.NOT_OWNED;
}

/**
 * Invalid options, lock name or client; raised before anything reaches a backend.
 *
 * @example
 * ```ts
 * import { Lock } from 'sherlock-rx';
 *
 * // No configure() ran and no `backend` was given: rejects before any network call.
 * await new Lock('invoice-42').acquire(); // LockConfigurationError
 * ```
 */
export class LockConfigurationError extends LockError {
  override readonly code = LockErrorCode.CONFIGURATION;
}

/**
 * The backend failed (connection refused, server error, ...); the driver's error is the `cause`.
 *
 * @example
 * ```ts
 * import { isLockBackendError } from 'sherlock-rx';
 *
 * try {
 *   await lock.acquire();
 * } catch (err) {
 *   // `cause` is a redacted copy of the client's error: safe to log, no AUTH password in it.
 *   if (isLockBackendError(err)) logger.error({ cause: err.cause }, 'lock server unreachable');
 *   throw err;
 * }
 * ```
 */
export class LockBackendError extends LockError {
  override readonly code = LockErrorCode.BACKEND;
}

function hasCode(err: unknown, code: LockErrorCode): boolean {
  return isLockError(err) && err.code === code;
}

/**
 * True for any error raised by sherlock-rx, even from another copy of the package.
 *
 * @example
 * ```ts
 * import { isLockError } from 'sherlock-rx';
 *
 * // A guard, not `instanceof`: it also matches errors raised by another copy of sherlock-rx.
 * function statusOf(err: unknown): number {
 *   return isLockError(err) && err.code === 'ELOCKTIMEOUT' ? 409 : 500;
 * }
 * ```
 */
export function isLockError(err: unknown): err is LockError {
  return typeof err === 'object' && err !== null && (err as { [BRAND]?: unknown })[BRAND] === true;
}
/**
 * True for a {@link LockTimeoutError}.
 *
 * @example
 * ```ts
 * import { isLockTimeoutError } from 'sherlock-rx';
 *
 * try {
 *   await lock.acquire({ timeout: 2_000 });
 * } catch (err) {
 *   if (!isLockTimeoutError(err)) throw err;
 *   res.status(409).send('another worker is running this job');
 * }
 * ```
 */
export const isLockTimeoutError = (err: unknown): err is LockTimeoutError => hasCode(err, LockErrorCode.TIMEOUT);
/**
 * True for a {@link LockLostError}.
 *
 * @example
 * ```ts
 * import { retry, throwError, timer } from 'rxjs';
 * import { isLockLostError, withLock } from 'sherlock-rx';
 *
 * // A lost lock cancelled the sync half-way: start it again under a new grant.
 * const sync$ = runSync$().pipe(
 *   withLock(lock),
 *   retry({ count: 3, delay: (err) => (isLockLostError(err) ? timer(1_000) : throwError(() => err)) }),
 * );
 * ```
 */
export const isLockLostError = (err: unknown): err is LockLostError => hasCode(err, LockErrorCode.LOST);
/**
 * True for a {@link LockNotOwnedError}.
 *
 * @example
 * ```ts
 * import { isLockNotOwnedError } from 'sherlock-rx';
 *
 * // The job's own `finally` may have released it already; a second release is harmless here.
 * await lock.release().catch((err: unknown) => {
 *   if (!isLockNotOwnedError(err)) throw err;
 * });
 * ```
 */
export const isLockNotOwnedError = (err: unknown): err is LockNotOwnedError => hasCode(err, LockErrorCode.NOT_OWNED);
/**
 * True for a {@link LockConfigurationError}.
 *
 * @example
 * ```ts
 * import { RedisLock, isLockConfigurationError } from 'sherlock-rx';
 *
 * try {
 *   new RedisLock('nightly-report', { expire: Number(process.env.REPORT_LOCK_TTL_MS) });
 * } catch (err) {
 *   // An unset variable gives NaN: fail the deploy with the message, which names the option.
 *   if (isLockConfigurationError(err)) throw new Error(`bad lock settings: ${err.message}`);
 *   throw err;
 * }
 * ```
 */
export const isLockConfigurationError = (err: unknown): err is LockConfigurationError =>
  hasCode(err, LockErrorCode.CONFIGURATION);
/**
 * True for a {@link LockBackendError}.
 *
 * @example
 * ```ts
 * import { isLockBackendError } from 'sherlock-rx';
 *
 * // The server is down: report "unknown" rather than "free".
 * const busy = await lock.locked().catch((err: unknown) => {
 *   if (isLockBackendError(err)) return undefined;
 *   throw err;
 * });
 * ```
 */
export const isLockBackendError = (err: unknown): err is LockBackendError => hasCode(err, LockErrorCode.BACKEND);

/** Verbs of the backend operations, one per operation, used in every `LockBackendError` message. */
export type BackendAction = 'acquire' | 'release' | 'renew' | 'check';

/**
 * Wraps whatever a driver threw into a {@link LockBackendError} (a {@link LockError} passes
 * through unchanged, so drivers may throw typed errors themselves). The client's error is
 * kept as `cause` in a redacted copy: see {@link redactCause}.
 */
export function toBackendError(err: unknown, lockName: string, backend: string, action: BackendAction | (string & {})): LockError {
  if (isLockError(err)) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new LockBackendError(`${backend} backend failed to ${action} lock "${lockName}": ${detail}`, {
    lockName,
    cause: redactCause(err),
  });
}

/**
 * A copy of a client error that is safe to print. Client errors carry the request they
 * failed on (ioredis: `command.args`), which can hold an AUTH password or an owner token (a
 * token is a capability: whoever has it can release the lock), and `console.error(err)` prints
 * a cause with all its fields. The copy keeps the prototype (so `instanceof` and `name` still
 * work), the message, the stack and every primitive field (`code`, `errno`, `syscall`,
 * `address`, `port`, ...), keeps only the `name` of a `command`, and redacts nested causes the
 * same way. Other values are passed through unchanged.
 */
export function redactCause(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error) || depth > 3) return err;
  const copy = Object.create(Object.getPrototypeOf(err) as object) as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(err)) {
    const value = (err as unknown as Record<string, unknown>)[key];
    let kept: unknown;
    if (key === 'cause') kept = redactCause(value, depth + 1);
    else if (key === 'command' && typeof value === 'object' && value !== null) {
      const name = (value as { name?: unknown }).name;
      kept = { name: typeof name === 'string' ? name : undefined, args: '[redacted]' };
    } else if (value === null || ['string', 'number', 'boolean', 'bigint', 'undefined'].includes(typeof value)) kept = value;
    else continue;
    const enumerable = Object.getOwnPropertyDescriptor(err, key)?.enumerable ?? true;
    Object.defineProperty(copy, key, { value: kept, enumerable, writable: true, configurable: true });
  }
  return copy;
}
