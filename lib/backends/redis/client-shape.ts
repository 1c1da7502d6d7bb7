/**
 * The Redis client as the public types name it. Declared here, structurally, so that the
 * published declarations compile in a project that has not installed ioredis (one that uses
 * another backend): an import of ioredis's own types would fail there (TS2307).
 */
import type { ClientMethod } from '../client-method';

/**
 * An ioredis client: `new Redis(...)` or `new Cluster(...)`, ioredis 5 or 6. Only members
 * every ioredis client has are named, so any ioredis client fits and a number, a string or a
 * client of another library does not. At run time the backend checks the same members.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisLock, type RedisClient } from 'sherlock-rx';
 *
 * const client: RedisClient = new Redis('redis://127.0.0.1:6379');
 * const lock = new RedisLock('invoices', { client, expire: 30_000 });
 * ```
 */
export interface RedisClient {
  /** ioredis's connection status (`ready`, `connecting`, `end`, ...). */
  readonly status: string;
  /** Registers a Lua script as a command. */
  readonly defineCommand: ClientMethod;
  /** Opens another connection with the same options (used for release notifications). */
  readonly duplicate: ClientMethod;
  /** Starts a pipeline. */
  readonly pipeline: ClientMethod;
}
