/**
 * Typed errors. Every error the library raises is a {@link LockError} with a stable
 * `code`; checks should use the `isLockError`-style guards (or `code`), which keep working
 * when two copies of the package end up in one process (an `instanceof` would not).
 */

/** Stable error codes, one per error class. */
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
export type LockErrorCode = (typeof LockErrorCode)[keyof typeof LockErrorCode];

const BRAND = Symbol.for('sherlock-rx.LockError');

/** Base class of every error raised by sherlock-rx. */
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

/** A blocking acquire did not get the lock within its `timeout`. */
export class LockTimeoutError extends LockError {
  override readonly code = LockErrorCode.TIMEOUT;
}

/**
 * A lock that was held is no longer held: its expiry passed without renewal, a renewal or
 * release found it gone or taken by another owner, or the backend reported its loss
 * (e.g. an etcd lease that expired).
 */
export class LockLostError extends LockError {
  override readonly code = LockErrorCode.LOST;
}

/** `release()` or `renew()` on a lock this instance does not hold (never acquired, or already released). */
export class LockNotOwnedError extends LockError {
  override readonly code = LockErrorCode.NOT_OWNED;
}

/** Invalid options, lock name or client; raised before anything reaches a backend. */
export class LockConfigurationError extends LockError {
  override readonly code = LockErrorCode.CONFIGURATION;
}

/** The backend failed (connection refused, server error, ...); the driver's error is the `cause`. */
export class LockBackendError extends LockError {
  override readonly code = LockErrorCode.BACKEND;
}

function hasCode(err: unknown, code: LockErrorCode): boolean {
  return isLockError(err) && err.code === code;
}

/** True for any error raised by sherlock-rx, even from another copy of the package. */
export function isLockError(err: unknown): err is LockError {
  return typeof err === 'object' && err !== null && (err as { [BRAND]?: unknown })[BRAND] === true;
}
/** True for a {@link LockTimeoutError}. */
export const isLockTimeoutError = (err: unknown): err is LockTimeoutError => hasCode(err, LockErrorCode.TIMEOUT);
/** True for a {@link LockLostError}. */
export const isLockLostError = (err: unknown): err is LockLostError => hasCode(err, LockErrorCode.LOST);
/** True for a {@link LockNotOwnedError}. */
export const isLockNotOwnedError = (err: unknown): err is LockNotOwnedError => hasCode(err, LockErrorCode.NOT_OWNED);
/** True for a {@link LockConfigurationError}. */
export const isLockConfigurationError = (err: unknown): err is LockConfigurationError =>
  hasCode(err, LockErrorCode.CONFIGURATION);
/** True for a {@link LockBackendError}. */
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
