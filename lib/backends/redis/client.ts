/**
 * The ioredis client as this backend sees it. Type-only imports: this file is loaded by the
 * descriptor, which must not load ioredis until a Redis lock is used.
 */
import type { Cluster, Redis } from 'ioredis';

/** A client this backend accepts: an ioredis `Redis` or `Cluster`. */
export type IoRedisClient = Redis | Cluster;

/**
 * Whether `value` looks like an ioredis `Redis` or `Cluster` (duck-typed, so it works with any
 * copy of ioredis and never loads the library).
 */
export function isRedisClient(value: unknown): value is IoRedisClient {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.defineCommand === 'function' &&
    typeof c.duplicate === 'function' &&
    typeof c.pipeline === 'function' &&
    typeof c.status === 'string'
  );
}

/** Whether `client` is a Redis Cluster client. */
export function isCluster(client: IoRedisClient): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/**
 * The `keyPrefix` ioredis prepends to every key (not to pub/sub channels), or `''`.
 * A Cluster copies `redisOptions.keyPrefix` into its own options.
 */
export function keyPrefixOf(client: IoRedisClient): string {
  const prefix = (client.options as { keyPrefix?: unknown } | undefined)?.keyPrefix;
  return typeof prefix === 'string' ? prefix : '';
}

/**
 * Whether `s` contains a Redis Cluster hash tag: the text between the first `{` and the first
 * `}` after it, when not empty. Only such a tag decides the slot of the whole key.
 */
export function hasHashTag(s: string): boolean {
  const open = s.indexOf('{');
  if (open < 0) return false;
  const close = s.indexOf('}', open + 1);
  return close > open + 1;
}

/** A short description of an unexpected reply, for error messages (never the whole value). */
export function describeReply(reply: unknown): string {
  if (reply === null || reply === undefined) return String(reply);
  if (typeof reply === 'string') return JSON.stringify(reply.length > 40 ? `${reply.slice(0, 40)}...` : reply);
  if (typeof reply === 'number' || typeof reply === 'boolean' || typeof reply === 'bigint') return String(reply);
  return Array.isArray(reply) ? `an array of ${reply.length}` : `a ${typeof reply}`;
}

/**
 * `reply` as a whole number in [min, max], or an Error naming `what`: a reply of another shape
 * means the client is not an ioredis client (or the server is not Redis), never "busy".
 */
export function integerReply(reply: unknown, what: string, min: number, max: number): number {
  const n = typeof reply === 'number' ? reply : typeof reply === 'string' && /^-?\d+$/.test(reply) ? Number(reply) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`unexpected reply to ${what}: ${describeReply(reply)}`);
  }
  return n;
}
