/**
 * Lua scripts, sent as EVALSHA and re-sent as EVAL on NOSCRIPT (after a server restart or
 * SCRIPT FLUSH). Every key a script touches is passed in KEYS, so the scripts run on Redis
 * Cluster. Single calls go through the client's own `evalsha` ({@link ScriptRunner}); pipelines
 * use the commands `defineCommand` installs.
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
  /** SHA1 of `lua` in hex, as EVALSHA takes it. */
  readonly sha: string;
  /** `numberOfKeys` as EVALSHA takes it (`''` when it varies). */
  readonly numberOfKeysArg: string;
}

/** Declares a script; `verb` names it (e.g. `acquire`). */
export function defineScript(verb: string, numberOfKeys: number | null, lua: string): LockScript {
  const sha = createHash('sha1').update(lua).digest('hex');
  const numberOfKeysArg = numberOfKeys === null ? '' : String(numberOfKeys);
  return { name: `sherlockRx_${verb}_${sha.slice(0, 10)}`, numberOfKeys, lua, sha, numberOfKeysArg };
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

/** ioredis flattens array arguments (v5 and v6 alike), so the argument list is passed as is, not spread. */
type Eval = (scriptOrSha: string, numberOfKeys: string, args: readonly string[]) => Promise<unknown>;

interface EvalCommands {
  evalsha?: Eval;
  eval?: Eval;
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.includes('NOSCRIPT');
}

/**
 * Runs the scripts of one client on the lock path (acquire, release). ioredis's
 * `defineCommand` wraps each call in a command subclass, a per-call closure and a NOSCRIPT
 * catch: about a fifth of the client CPU of an uncontended cycle went there. This sends
 * EVALSHA through the client's plain `evalsha` and parses the reply in the same handler that
 * catches NOSCRIPT, so a call costs one command and one `then`. A client without
 * `evalsha`/`eval` (not an ioredis client) gets the `defineCommand` path, which fails or
 * answers as that client does.
 */
export class ScriptRunner {
  private readonly commands: EvalCommands;
  private readonly direct: boolean;

  constructor(private readonly client: IoRedisClient) {
    this.commands = client as unknown as EvalCommands;
    this.direct = typeof this.commands.evalsha === 'function' && typeof this.commands.eval === 'function';
  }

  /**
   * Runs `script` (fixed number of keys) with `args` (KEYS then ARGV) and returns `parse` of its
   * reply. The first EVALSHA after a SCRIPT FLUSH or a restart fails with NOSCRIPT; the script
   * is then sent once as EVAL, which also caches it on the server for the next EVALSHA.
   */
  run<T>(script: LockScript, args: readonly string[], parse: (reply: unknown) => T): Promise<T> {
    try {
      if (!this.direct || script.numberOfKeys === null) return Promise.resolve(runScript(this.client, script, args)).then(parse);
      const keys = script.numberOfKeysArg;
      return this.commands.evalsha!.call(this.client, script.sha, keys, args).then(parse, (err: unknown) => {
        if (!isNoScript(err)) throw err;
        return this.commands.eval!.call(this.client, script.lua, keys, args).then(parse);
      });
    } catch (err) {
      // Callers get a rejection, never a throw, whatever the client does.
      return Promise.reject(err);
    }
  }
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
