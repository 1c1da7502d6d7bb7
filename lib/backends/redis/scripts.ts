/**
 * Lua scripts run through ioredis `defineCommand`, which sends EVALSHA and falls back to EVAL
 * on NOSCRIPT (after a server restart or SCRIPT FLUSH). Every key a script touches is passed in
 * KEYS, so the scripts run on Redis Cluster.
 */
import { createHash } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import type { IoRedisClient } from './client';

/** One Lua script of this backend. */
export interface LockScript {
  /**
   * The command name given to `defineCommand`. It includes a hash of the source, so two copies
   * of sherlock-rx with different scripts can share one client without overwriting each other.
   */
  readonly name: string;
  /**
   * How many of the arguments are keys (KEYS), the rest are ARGV; `null` when it varies: the
   * caller then passes the count as the first argument.
   */
  readonly numberOfKeys: number | null;
  readonly lua: string;
}

/** Declares a script; `verb` names it (e.g. `acquire`). */
export function defineScript(verb: string, numberOfKeys: number | null, lua: string): LockScript {
  const sha = createHash('sha1').update(lua).digest('hex').slice(0, 10);
  return { name: `sherlockRx_${verb}_${sha}`, numberOfKeys, lua };
}

type ScriptCommands = Record<string, (...args: string[]) => Promise<unknown>>;

/** Defines `scripts` on `client` (idempotent; pipelines created afterwards inherit them). */
export function installScripts(client: IoRedisClient, scripts: readonly LockScript[]): void {
  const defined = client as unknown as ScriptCommands;
  for (const s of scripts) {
    if (typeof defined[s.name] !== 'function') {
      client.defineCommand(s.name, s.numberOfKeys === null ? { lua: s.lua } : { lua: s.lua, numberOfKeys: s.numberOfKeys });
    }
  }
}

/** Runs `script` on `client`; `args` are KEYS then ARGV. */
export function runScript(client: IoRedisClient, script: LockScript, args: readonly string[]): Promise<unknown> {
  return (client as unknown as ScriptCommands)[script.name](...args);
}

/**
 * Queues `script` on a pipeline (its reply comes from `exec()`; the pipeline handles the
 * per-command promise itself).
 */
export function queueScript(pipeline: ChainableCommander, script: LockScript, args: readonly string[]): void {
  (pipeline as unknown as ScriptCommands)[script.name](...args);
}

/** The ARGV form of a lock's expiry: whole milliseconds rounded up, or `''` for "never expires". */
export function ttlArg(expire: number | null): string {
  return expire === null ? '' : String(Math.max(1, Math.ceil(expire)));
}
