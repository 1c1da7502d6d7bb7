/**
 * Python sherlock's key format, shared by the backends that are wire-compatible with it.
 */

/**
 * Python sherlock's key format, used by the Redis and Memcached backends for wire
 * compatibility: `<namespace>_<name>`, or `<name>` without a namespace.
 */
export function sherlockKey(name: string, namespace: string | null): string {
  return namespace ? `${namespace}_${name}` : name;
}
