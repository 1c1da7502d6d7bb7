/**
 * Python sherlock's key format, shared by the backends that are wire-compatible with it.
 */

/**
 * Python sherlock's key format, used by the Redis and Memcached backends for wire
 * compatibility: `<namespace>_<name>`, or `<name>` without a namespace.
 *
 * @example
 * ```ts
 * import { sherlockKey } from 'sherlock-rx/backend';
 *
 * sherlockKey('report', 'billing'); // 'billing_report', the key Python sherlock uses too
 * sherlockKey('report', null); // 'report'
 * ```
 */
export function sherlockKey(name: string, namespace: string | null): string {
  return namespace ? `${namespace}_${name}` : name;
}
