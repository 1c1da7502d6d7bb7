/**
 * The lock-name rules every backend applies, owned by the core (backends may add their own).
 */
import { LockConfigurationError } from '../errors';

/**
 * Longest lock name accepted by any backend (backends may accept less).
 *
 * @example
 * ```ts
 * import { createHash } from 'node:crypto';
 * import { MAX_NAME_LENGTH } from 'sherlock-rx/backend';
 *
 * // Long names (URLs, say) are hashed rather than refused by the lock constructor.
 * const name = url.length <= MAX_NAME_LENGTH ? url : createHash('sha256').update(url).digest('hex');
 * ```
 */
export const MAX_NAME_LENGTH = 200;

/**
 * The checks every backend applies: a non-empty string of at most {@link MAX_NAME_LENGTH}
 * characters, valid Unicode (no lone surrogates), with no control characters (C0, DEL or C1);
 * a namespace, when given, follows the same rule.
 *
 * @example
 * ```ts
 * import { assertBaseName, sherlockKey } from 'sherlock-rx/backend';
 *
 * // An admin tool that deletes stuck locks refuses the names the library would refuse.
 * function keyOf(name: string, namespace: string | null): string {
 *   assertBaseName(name, namespace); // throws LockConfigurationError
 *   return sherlockKey(name, namespace);
 * }
 * ```
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
  // C0, DEL and C1 (U+0080-U+009F): invisible in logs and keys, and newlines break line-based protocols.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) {
    throw new LockConfigurationError(
      `Invalid ${what} ${JSON.stringify(value)}: control characters (U+0000-U+001F, U+007F-U+009F, including newlines) are not allowed.`,
      { lockName },
    );
  }
  // A lone surrogate has no UTF-8 form: encoders replace it with U+FFFD, so 'job\ud800' and
  // 'job\udfff' would be one key on Redis and memcached, and etcd could never match it again.
  if (/\p{Cs}/u.test(value)) {
    throw new LockConfigurationError(
      `Invalid ${what} ${JSON.stringify(value)}: it contains a lone UTF-16 surrogate (not valid Unicode; it has no UTF-8 form).`,
      { lockName },
    );
  }
}
