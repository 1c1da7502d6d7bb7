/**
 * The CLI's configuration: flags first, then the environment, then defaults. Every value is
 * checked here, so the commands only ever see valid settings.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_EXPIRE, MAX_WAIT } from '../index';
import type { RawFlags } from './args';
import { usage } from './args';

/** The backends the CLI can connect to. */
export const BACKENDS = ['redis', 'memcached', 'etcd', 'zookeeper', 'file', 'memory'] as const;
export type BackendName = (typeof BACKENDS)[number];

/**
 * Where each backend's address comes from when `--url` is not given, and its default. The file
 * backend's "address" is its lock directory; its default is the library's (Python sherlock's).
 */
export const URL_SOURCES: Record<Exclude<BackendName, 'memory'>, { env: string; fallback: string }> = {
  redis: { env: 'REDIS_URL', fallback: 'redis://127.0.0.1:6379' },
  memcached: { env: 'MEMCACHED_URL', fallback: '127.0.0.1:11211' },
  etcd: { env: 'ETCD_URL', fallback: 'http://127.0.0.1:2379' },
  zookeeper: { env: 'ZOOKEEPER_URL', fallback: '127.0.0.1:2181' },
  file: { env: 'SHERLOCK_FILE_DIR', fallback: join(tmpdir(), 'sherlock') },
};

/** How long `run` lets a command finish after SIGTERM on a lost lock before SIGKILL (ms). */
export const DEFAULT_KILL_AFTER = 10_000;

/** Connection settings shared by every command. */
export interface ConnectionConfig {
  backend: BackendName;
  /** The backend's address (`redis://...`, `host:port`, `http://...[,http://...]`, a directory for file); none for memory. */
  url: string | undefined;
  namespace: string | undefined;
}

/** Settings of `run`. */
export interface RunConfig extends ConnectionConfig {
  /** How long to wait (ms); `Infinity` by default, like flock(1) and `etcdctl lock`. */
  timeout: number;
  /** Lock lifetime between renewals (ms); undefined: the library's default. */
  expire: number | undefined;
  noWait: boolean;
  killAfter: number;
  quiet: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Resolves the connection flags against the environment. */
export function resolveConnection(flags: RawFlags, env: Env): ConnectionConfig {
  const backendText = flags.backend ?? nonEmpty(env.SHERLOCK_BACKEND);
  if (backendText === undefined) {
    throw usage(`no backend: pass --backend or set SHERLOCK_BACKEND to one of ${BACKENDS.join(', ')}.`);
  }
  const backend = BACKENDS.find((b) => b === backendText.toLowerCase());
  if (!backend) {
    const from = flags.backend !== undefined ? '--backend' : 'SHERLOCK_BACKEND';
    throw usage(`${from} "${backendText}" is not a backend: use one of ${BACKENDS.join(', ')}.`);
  }
  const namespace = flags.namespace ?? nonEmpty(env.SHERLOCK_NAMESPACE);
  if (backend === 'memory') {
    if (flags.url !== undefined) throw usage('--url: the memory backend has no server (it lives in this process only).');
    return { backend, url: undefined, namespace };
  }
  const source = URL_SOURCES[backend];
  const url = flags.url ?? nonEmpty(env[source.env]) ?? source.fallback;
  checkUrl(backend, url, flags.url !== undefined ? '--url' : source.env);
  return { backend, url, namespace };
}

/** Resolves the flags of `run`. */
export function resolveRunConfig(flags: RawFlags, env: Env): RunConfig {
  const connection = resolveConnection(flags, env);
  const noWait = flags['no-wait'] === true;
  if (noWait && flags.timeout !== undefined) throw usage('--no-wait and --timeout exclude each other: --no-wait makes one attempt.');
  return {
    ...connection,
    timeout: flags.timeout === undefined ? Infinity : milliseconds('--timeout', flags.timeout, 0, MAX_WAIT),
    expire: flags.expire === undefined ? undefined : milliseconds('--expire', flags.expire, 10, MAX_EXPIRE),
    noWait,
    killAfter: flags['kill-after'] === undefined ? DEFAULT_KILL_AFTER : milliseconds('--kill-after', flags['kill-after'], 0, MAX_WAIT),
    quiet: flags.quiet === true,
  };
}

/** A whole number of milliseconds within [min, max]. */
function milliseconds(flag: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw usage(`${flag} "${text}" is not valid: give a whole number of milliseconds from ${min} to ${max} (e.g. ${flag} 30000 for 30 s).`);
  }
  return value;
}

function checkUrl(backend: Exclude<BackendName, 'memory'>, url: string, from: string): void {
  const ok = {
    redis: () => /^rediss?:\/\/[^/\s]+/.test(url),
    memcached: () => url.split(',').every((s) => /^(memcached:\/\/)?[^\s/:,]+:\d+$/.test(s.trim())),
    etcd: () => url.split(',').every((s) => /^https?:\/\/[^\s/,]+/.test(s.trim())),
    zookeeper: () => /^[^\s/,:]+:\d+(,[^\s/,:]+:\d+)*(\/\S*)?$/.test(url.trim()),
    file: () => !url.includes('\0'),
  }[backend];
  if (!ok()) {
    const shape = {
      redis: 'redis://host:port (or rediss://, with an optional /db and user:password@)',
      memcached: 'host:port (several: comma-separated)',
      etcd: 'http://host:port (several: comma-separated)',
      zookeeper: 'host:port (several: comma-separated, then an optional /chroot)',
      file: 'a directory path',
    }[backend];
    throw usage(`${from} "${url}" is not a ${backend} address: give ${shape}.`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
