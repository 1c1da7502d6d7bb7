/**
 * Option types, defaults and validation, in one place. Every duration is in milliseconds.
 */
import type { BackendDescriptor } from './core/driver';
import { MAX_TIMER_DELAY } from './core/timers';
import { MIN_EXPIRE } from './core/validity';
import { LockConfigurationError } from './errors';

/** Options of a lock; each one overrides the global default set with `configure()`. */
export interface LockOptions {
  /**
   * Prefix of the backend key: `<namespace>_<name>` on Redis and Memcached (Python sherlock's
   * format), `<namespace>/<name>` on etcd. Defaults to none.
   */
  namespace?: string | null;
  /**
   * How long a lock lives after it is acquired or renewed, in milliseconds; `null` means it
   * never expires. At least 10 and at most about 50 years ({@link MAX_EXPIRE}). The holder
   * trusts it for `expire` minus 1% minus 2 ms from the moment it sent the request (a margin
   * for clock drift between client and server). Defaults to 60000 (60 s).
   */
  expire?: number | null;
  /**
   * How long a blocking acquire waits for the lock, in milliseconds (wall clock, not an
   * attempt count); `0` means exactly one attempt, `Infinity` waits forever. Defaults to
   * 10000 (10 s).
   */
  timeout?: number;
  /**
   * Milliseconds between two attempts while the lock is busy (a release notification, where
   * the backend has one, wakes the waiter earlier). `0` retries on the next macrotask.
   * Defaults to 100.
   */
  retryInterval?: number;
  /**
   * Renew the lock about every `expire / 3` milliseconds while it is held. Defaults to false:
   * a lock lives `expire` ms, as in Python sherlock.
   */
  autoRenew?: boolean;
  /** Backend of a generic `Lock`. Defaults to the one given to `configure()`. */
  backend?: BackendDescriptor<any>;
  /** Backend client. Defaults to the one given to `configure()`, else the backend's default client. */
  client?: unknown;
}

/** Options resolved against the global defaults: every field present. */
export interface ResolvedLockOptions {
  readonly namespace: string | null;
  readonly expire: number | null;
  readonly timeout: number;
  readonly retryInterval: number;
  readonly autoRenew: boolean;
}

/** The global defaults before any `configure()` call. */
export const DEFAULTS: ResolvedLockOptions = Object.freeze({
  namespace: null,
  expire: 60_000,
  timeout: 10_000,
  retryInterval: 100,
  autoRenew: false,
});

/**
 * Longest accepted `expire` (ms): 50 years of 365 days. Every backend can store it (memcached
 * keeps expiries beyond 30 days as absolute 32-bit Unix times, which end in 2106); local
 * timers for it are chained. Use `null` for a lock that never expires.
 */
export const MAX_EXPIRE = 50 * 365 * 24 * 60 * 60 * 1000;

/** Longest finite `timeout` and `retryInterval` (ms): what `setTimeout` can wait in one go (about 24.8 days). */
export const MAX_WAIT = MAX_TIMER_DELAY;

const KNOWN_OPTIONS = new Set(['namespace', 'expire', 'timeout', 'retryInterval', 'autoRenew', 'backend', 'client']);

/**
 * Checks user options at the boundary. Throws {@link LockConfigurationError} naming the
 * option, the bad value and what is allowed.
 */
export function validateLockOptions(options: unknown, lockName?: string): asserts options is LockOptions {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw bad(lockName, `options must be an object, got ${describe(options)}.`);
  }
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KNOWN_OPTIONS.has(k)) {
      throw bad(lockName, `unknown option "${k}"; allowed: ${[...KNOWN_OPTIONS].join(', ')}.`);
    }
  }
  if (o.namespace !== undefined && o.namespace !== null && (typeof o.namespace !== 'string' || o.namespace === '')) {
    throw bad(lockName, `"namespace" must be a non-empty string or null, got ${describe(o.namespace)}.`);
  }
  if (o.expire !== undefined && o.expire !== null) {
    checkDuration(lockName, 'expire', o.expire, { allowInfinity: false, min: 0 });
    if ((o.expire as number) < MIN_EXPIRE) {
      throw bad(
        lockName,
        `"expire" must be above 0 ms and at least ${MIN_EXPIRE} ms (the holder keeps 1% + 2 ms of it as a margin for clock drift), got ${o.expire}; use null for a lock that never expires.`,
      );
    }
    if ((o.expire as number) > MAX_EXPIRE) {
      throw bad(lockName, `"expire" must be at most ${MAX_EXPIRE} ms (50 years), got ${o.expire}; use null for a lock that never expires.`);
    }
  }
  if (o.timeout !== undefined) {
    checkDuration(lockName, 'timeout', o.timeout, { allowInfinity: true, min: 0 });
    // setTimeout fires at once for delays it cannot represent.
    if (o.timeout !== Infinity && (o.timeout as number) > MAX_WAIT) {
      throw bad(lockName, `"timeout" must be at most ${MAX_WAIT} ms, got ${o.timeout}; use Infinity to wait forever.`);
    }
  }
  if (o.retryInterval !== undefined) {
    checkDuration(lockName, 'retryInterval', o.retryInterval, { allowInfinity: false, min: 0 });
    if ((o.retryInterval as number) > MAX_WAIT) throw bad(lockName, `"retryInterval" must be at most ${MAX_WAIT} ms, got ${o.retryInterval}.`);
  }
  if (o.autoRenew !== undefined && typeof o.autoRenew !== 'boolean') {
    throw bad(lockName, `"autoRenew" must be a boolean, got ${describe(o.autoRenew)}.`);
  }
  if (o.backend !== undefined && !isBackendDescriptor(o.backend)) {
    throw bad(lockName, `"backend" must be one of backends.<NAME> (the built-in ones) or a backend from backends.register(), got ${describe(o.backend)}.`);
  }
}

/** Merges validated options over resolved defaults. */
export function resolveLockOptions(defaults: ResolvedLockOptions, options: LockOptions | undefined): ResolvedLockOptions {
  const pick = <K extends keyof ResolvedLockOptions>(k: K): ResolvedLockOptions[K] =>
    options && options[k] !== undefined ? (options[k] as ResolvedLockOptions[K]) : defaults[k];
  return {
    namespace: pick('namespace'),
    expire: pick('expire'),
    timeout: pick('timeout'),
    retryInterval: pick('retryInterval'),
    autoRenew: pick('autoRenew'),
  };
}

/** Whether `value` looks like a {@link BackendDescriptor}. */
export function isBackendDescriptor(value: unknown): value is BackendDescriptor {
  const v = value as BackendDescriptor | null;
  return (
    typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.keyFor === 'function' && typeof v.driverFor === 'function'
  );
}

function checkDuration(
  lockName: string | undefined,
  option: string,
  value: unknown,
  { allowInfinity, min }: { allowInfinity: boolean; min: number },
): void {
  const ok =
    typeof value === 'number' && !Number.isNaN(value) && value >= min && (Number.isFinite(value) || (allowInfinity && value === Infinity));
  if (!ok) {
    const allowed = `a ${allowInfinity ? 'number' : 'finite number'} of milliseconds >= ${min}${allowInfinity ? ' (or Infinity)' : ''}`;
    throw bad(lockName, `"${option}" must be ${allowed}, got ${describe(value)}.`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return Object.prototype.toString.call(value);
}

function bad(lockName: string | undefined, message: string): LockConfigurationError {
  return new LockConfigurationError(`${lockName ? `Lock "${lockName}": ` : ''}${message}`, { lockName });
}
