/**
 * Option types, defaults and validation, in one place. Every duration is in milliseconds.
 *
 * Each option is written twice, side by side in this file, and the compiler ties the two
 * together: its type and user documentation on {@link LockOptions} (TypeScript cannot derive
 * doc comments from a value), and its default and validation in {@link OPTIONS}, a table typed
 * against that interface. An option missing from either fails to compile; everything else
 * (the defaults, the resolved type, the list of known options, validation, resolution) is
 * derived from the table.
 */
import type { BackendDescriptor } from './core/driver';
import { MAX_TIMER_DELAY } from './core/timers';
import { MIN_EXPIRE } from './core/validity';
import { LockConfigurationError } from './errors';

/**
 * Options of a lock; each one overrides the global default set with `configure()`.
 *
 * @example
 * ```ts
 * import { Lock, backends, type LockOptions } from 'sherlock-rx';
 *
 * // A long job: renewed while it runs, and skipped at once when another worker has it.
 * const reportLock: LockOptions = { backend: backends.MEMORY, namespace: 'reports', expire: 120_000, timeout: 0, autoRenew: true };
 * const lock = new Lock('monthly', reportLock);
 * ```
 */
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
   * How often a waiting acquisition asks the backend again when no release signal reaches it,
   * in milliseconds: never less often than this. Polls back off from `retryInterval / 8` to
   * `retryInterval`, with jitter (each wait is drawn between half its ceiling and the
   * ceiling). A release signal, where the backend has one, wakes the waiter earlier. `0`
   * retries on the next macrotask. Defaults to 100.
   */
  retryInterval?: number;
  /**
   * Renew the lock about every `expire / 3` milliseconds while it is held. Defaults to false:
   * a lock lives `expire` ms, as in Python sherlock.
   */
  autoRenew?: boolean;
  /** Backend of a generic `Lock`. Defaults to the one given to `configure()`. */
  backend?: BackendDescriptor;
  /** Backend client. Defaults to the one given to `configure()`, else the backend's default client. */
  client?: unknown;
}

/**
 * Longest accepted `expire` (ms): 50 years of 365 days. Every backend can store it (memcached
 * keeps expiries beyond 30 days as absolute 32-bit Unix times, which end in 2106); local
 * timers for it are chained. Use `null` for a lock that never expires.
 *
 * @example
 * ```ts
 * import { MAX_EXPIRE, RedisLock } from 'sherlock-rx';
 *
 * // A TTL read from settings, clamped so that a typo cannot make the constructor throw.
 * const expire = Math.min(Number(process.env.LOCK_TTL_MS ?? 60_000), MAX_EXPIRE);
 * const lock = new RedisLock('migrations', { expire });
 * ```
 */
export const MAX_EXPIRE = 50 * 365 * 24 * 60 * 60 * 1000;

/**
 * Longest finite `timeout` and `retryInterval` (ms): what `setTimeout` can wait in one go (about 24.8 days).
 *
 * @example
 * ```ts
 * import { MAX_WAIT } from 'sherlock-rx';
 *
 * // A longer finite wait is refused; Infinity is the way to wait forever.
 * const timeout = requestedWaitMs > MAX_WAIT ? Infinity : requestedWaitMs;
 * await lock.acquire({ timeout });
 * ```
 */
export const MAX_WAIT = MAX_TIMER_DELAY;

/** How one option is defaulted and checked. */
interface OptionSpec<T> {
  /**
   * The global default before any `configure()` call. Options without one (`backend`,
   * `client`) are not part of {@link ResolvedLockOptions}: the facade resolves them itself.
   */
  readonly default?: Exclude<T, undefined>;
  /** Why `value` (never `undefined`) is not allowed, as a sentence; `undefined` when it is allowed. */
  readonly check: (value: unknown) => string | undefined;
}

type OptionTable = { readonly [K in keyof LockOptions]-?: OptionSpec<LockOptions[K]> };

/**
 * The option table. Its order is the order of the checks and of the "allowed" list in the
 * unknown-option message. `satisfies` (rather than a type annotation) keeps which entries have
 * a default, from which {@link ResolvedLockOptions} is derived.
 */
const OPTIONS = {
  namespace: {
    default: null,
    check: (v) => (v === null || (typeof v === 'string' && v !== '') ? undefined : `"namespace" must be a non-empty string or null, got ${describe(v)}.`),
  },
  expire: {
    default: 60_000,
    check: (v) => {
      if (v === null) return undefined;
      const notDuration = checkDuration('expire', v, { allowInfinity: false, min: 0 });
      if (notDuration) return notDuration;
      if ((v as number) < MIN_EXPIRE) {
        return `"expire" must be above 0 ms and at least ${MIN_EXPIRE} ms (the holder keeps 1% + 2 ms of it as a margin for clock drift), got ${v}; use null for a lock that never expires.`;
      }
      if ((v as number) > MAX_EXPIRE) {
        return `"expire" must be at most ${MAX_EXPIRE} ms (50 years), got ${v}; use null for a lock that never expires.`;
      }
      return undefined;
    },
  },
  timeout: {
    default: 10_000,
    check: (v) => {
      const notDuration = checkDuration('timeout', v, { allowInfinity: true, min: 0 });
      if (notDuration) return notDuration;
      // setTimeout fires at once for delays it cannot represent.
      if (v !== Infinity && (v as number) > MAX_WAIT) return `"timeout" must be at most ${MAX_WAIT} ms, got ${v}; use Infinity to wait forever.`;
      return undefined;
    },
  },
  retryInterval: {
    default: 100,
    check: (v) => {
      const notDuration = checkDuration('retryInterval', v, { allowInfinity: false, min: 0 });
      if (notDuration) return notDuration;
      if ((v as number) > MAX_WAIT) return `"retryInterval" must be at most ${MAX_WAIT} ms, got ${v}.`;
      return undefined;
    },
  },
  autoRenew: {
    default: false,
    check: (v) => (typeof v === 'boolean' ? undefined : `"autoRenew" must be a boolean, got ${describe(v)}.`),
  },
  backend: {
    check: (v) =>
      isBackendDescriptor(v)
        ? undefined
        : `"backend" must be one of backends.<NAME> (the built-in ones) or a backend from backends.register(), got ${describe(v)}.`,
  },
  client: {
    // Checked against the backend once both are known (`BackendDescriptor.isClient`).
    check: () => undefined,
  },
} as const satisfies OptionTable;

/** The options that have a global default (every one but `backend` and `client`). */
type ResolvedOptionName = { [K in keyof typeof OPTIONS]: (typeof OPTIONS)[K] extends { default: unknown } ? K : never }[keyof typeof OPTIONS];

/** Options resolved against the global defaults: every field that has a default, present. */
export type ResolvedLockOptions = Readonly<Required<Pick<LockOptions, ResolvedOptionName>>>;

const OPTION_NAMES = Object.keys(OPTIONS) as (keyof LockOptions)[];
const RESOLVED_NAMES = OPTION_NAMES.filter((k) => 'default' in OPTIONS[k]) as ResolvedOptionName[];

/** The global defaults before any `configure()` call. */
export const DEFAULTS: ResolvedLockOptions = Object.freeze(
  Object.fromEntries(RESOLVED_NAMES.map((k) => [k, OPTIONS[k].default])) as unknown as ResolvedLockOptions,
);

/**
 * Checks user options at the boundary. Throws {@link LockConfigurationError} naming the
 * option, the bad value and what is allowed.
 */
export function validateLockOptions(options: unknown, lockName?: string): asserts options is LockOptions {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw bad(lockName, `options must be an object, got ${describe(options)}.`);
  }
  const given = options as Record<string, unknown>;
  for (const k of Object.keys(given)) {
    if (!Object.hasOwn(OPTIONS, k)) throw bad(lockName, `unknown option "${k}"; allowed: ${OPTION_NAMES.join(', ')}.`);
  }
  for (const k of OPTION_NAMES) {
    if (given[k] === undefined) continue;
    const problem = OPTIONS[k].check(given[k]);
    if (problem) throw bad(lockName, problem);
  }
}

/** Merges validated options over resolved defaults; an explicit `null` overrides, `undefined` does not. */
export function resolveLockOptions(defaults: ResolvedLockOptions, options: LockOptions | undefined): ResolvedLockOptions {
  const resolved: Record<string, unknown> = {};
  for (const k of RESOLVED_NAMES) resolved[k] = options?.[k] !== undefined ? options[k] : defaults[k];
  return resolved as ResolvedLockOptions;
}

/** Whether `value` looks like a {@link BackendDescriptor}. */
export function isBackendDescriptor(value: unknown): value is BackendDescriptor {
  const v = value as BackendDescriptor | null;
  return (
    typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.keyFor === 'function' && typeof v.driverFor === 'function'
  );
}

/** Why `value` is not a duration in ms of at least `min`, or `undefined` when it is one. */
function checkDuration(option: string, value: unknown, { allowInfinity, min }: { allowInfinity: boolean; min: number }): string | undefined {
  const ok =
    typeof value === 'number' && !Number.isNaN(value) && value >= min && (Number.isFinite(value) || (allowInfinity && value === Infinity));
  if (ok) return undefined;
  const allowed = `a ${allowInfinity ? 'number' : 'finite number'} of milliseconds >= ${min}${allowInfinity ? ' (or Infinity)' : ''}`;
  return `"${option}" must be ${allowed}, got ${describe(value)}.`;
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
