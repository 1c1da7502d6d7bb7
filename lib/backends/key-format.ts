/**
 * Key building and name checks shared by the backends.
 */
import { LockConfigurationError } from '../errors';

/** Longest lock name accepted by any backend (backends may accept less). */
export const MAX_NAME_LENGTH = 200;

/**
 * Python sherlock's key format, used by the Redis and Memcached backends for wire
 * compatibility: `<namespace>_<name>`, or `<name>` without a namespace.
 */
export function sherlockKey(name: string, namespace: string | null): string {
  return namespace ? `${namespace}_${name}` : name;
}

/**
 * The checks every backend applies: a non-empty string of at most {@link MAX_NAME_LENGTH}
 * characters with no control characters; a namespace, when given, follows the same rule.
 */
export function assertBaseName(name: unknown, namespace: unknown): asserts name is string {
  checkPart('lock name', name, typeof name === 'string' ? name : String(name));
  if (namespace !== null && namespace !== undefined) checkPart('namespace', namespace, String(name));
}

function checkPart(what: string, value: unknown, lockName: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new LockConfigurationError(`Invalid ${what} ${JSON.stringify(value)}: it must be a non-empty string.`, {
      lockName,
    });
  }
  if (value.length > MAX_NAME_LENGTH) {
    throw new LockConfigurationError(
      `Invalid ${what} "${value.slice(0, 40)}...": ${value.length} characters, at most ${MAX_NAME_LENGTH} are allowed.`,
      { lockName },
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new LockConfigurationError(
      `Invalid ${what} ${JSON.stringify(value)}: control characters (including newlines) are not allowed.`,
      { lockName },
    );
  }
}
