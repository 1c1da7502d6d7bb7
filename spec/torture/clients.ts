/**
 * Backend clients and the contending client loop, shared by the worker processes and the
 * in-process scenarios. Public API only (lib/index.ts).
 */
import { EtcdLock, Lock, MemcachedLock, MemoryLock, MemoryStore, RedisLock, isLockError, isLockLostError, type LockHandle } from '../../lib';
import type { HoldRecord } from './checker';
import { fromPerformance, now, sleep } from './clock';

export type BackendKind = 'redis' | 'memcached' | 'etcd' | 'memory';

export interface LockSettings {
  expire: number;
  timeout: number;
  retryInterval: number;
  autoRenew?: boolean;
}

/** A backend client the suite opened (never one of the library's default clients). */
export interface OpenClient {
  readonly client: unknown;
  close(): void;
}

/** `address`: a Redis URL, memcached `host:port`, etcd URL; ignored for memory (pass a store). */
export function openClient(kind: BackendKind, address: string, store?: MemoryStore): OpenClient {
  switch (kind) {
    case 'redis': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded per backend run
      const Redis = require('ioredis') as typeof import('ioredis').default;
      // No reconnect give-up during a restart; commands wait in the offline queue meanwhile.
      const c = new Redis(address, { maxRetriesPerRequest: null, retryStrategy: () => 20, disconnectTimeout: 100 });
      c.on('error', () => undefined); // the faults break connections on purpose
      return { client: c, close: () => c.disconnect() };
    }
    case 'memcached': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const memjs = require('memjs') as typeof import('memjs');
      const c = memjs.Client.create(address, { retries: 1, timeout: 1, conntimeout: 1, logger: { log: () => undefined } });
      return { client: c, close: () => c.close() };
    }
    case 'etcd': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Etcd3 } = require('etcd3') as typeof import('etcd3');
      const c = new Etcd3({ hosts: address });
      return { client: c, close: () => c.close() };
    }
    case 'memory':
      return { client: store ?? new MemoryStore(), close: () => undefined };
  }
}

export function newLock(kind: BackendKind, name: string, client: unknown, settings: LockSettings): Lock {
  const options = { client: client as never, ...settings };
  switch (kind) {
    case 'redis':
      return new RedisLock(name, options);
    case 'memcached':
      return new MemcachedLock(name, options);
    case 'etcd':
      return new EtcdLock(name, options);
    case 'memory':
      return new MemoryLock(name, options as never);
  }
}

/** What a contending client does; durations in ms. */
export interface ContendPlan {
  kind: BackendKind;
  locks: string[];
  settings: LockSettings;
  /** Stop starting new acquisitions at this shared-clock time. */
  until: number;
  /** Upper bound on acquisitions per client. */
  maxIterations: number;
  /** Longest random hold. */
  maxHoldMs: number;
  /** Share of acquisitions made with hold() (the rest with acquire()/release()). */
  holdShare: number;
}

export interface ClientStats {
  grants: number;
  /** Errors by `code` (LockError) or `untyped:<name>` (anything else reaching the caller). */
  errors: Record<string, number>;
}

const bump = (stats: ClientStats, err: unknown) => {
  const key = isLockError(err) ? err.code : `untyped:${(err as Error)?.name ?? typeof err}:${String((err as Error)?.message ?? err).slice(0, 80)}`;
  stats.errors[key] = (stats.errors[key] ?? 0) + 1;
};

/** What a holder sees of its grant, through a handle (hold()) or through its Lock (acquire()). */
interface HeldView {
  readonly fencingToken: number | bigint | undefined;
  readonly expiresAt: number | null | undefined;
  readonly signal: AbortSignal | undefined;
  release(): Promise<void>;
}

/** One grant in the given style, or undefined when the lock was busy. */
async function grant(lock: Lock, style: HoldRecord['style']): Promise<{ held: HeldView; handle: LockHandle | undefined } | undefined> {
  if (style === 'hold') {
    const handle = await lock.hold();
    return { held: handle, handle };
  }
  if (!(await lock.acquire())) return undefined;
  // Live views: a renewal moves the deadline; read before release(), which ends the turn.
  const held: HeldView = {
    fencingToken: lock.fencingToken,
    get expiresAt() {
      return lock.expiresAt;
    },
    signal: lock.signal,
    release: () => lock.release(),
  };
  return { held, handle: undefined };
}

/**
 * One contending client: loops acquire, holds 0..maxHoldMs, releases; logs each hold as the
 * holder believed it: from the grant to the release call, the grant's deadline or its loss
 * signal, whichever comes first (a handle shows them, and so does the Lock of a
 * Promise-style holder: `lock.expiresAt`, `lock.signal`).
 */
export async function contend(
  plan: ContendPlan,
  client: unknown,
  worker: string,
  log: (r: HoldRecord) => void,
  stats: ClientStats,
  onHold?: (r: HoldRecord, handle: LockHandle | undefined) => Promise<void> | void,
): Promise<void> {
  const locks = new Map<string, Lock>();
  const lockOf = (name: string) => {
    let l = locks.get(name);
    if (!l) locks.set(name, (l = newLock(plan.kind, name, client, plan.settings)));
    return l;
  };
  for (let i = 0; i < plan.maxIterations && now() < plan.until; i++) {
    const name = plan.locks[Math.floor(Math.random() * plan.locks.length)]!;
    const style: HoldRecord['style'] = Math.random() < plan.holdShare ? 'hold' : 'promise';
    const holdMs = Math.random() * plan.maxHoldMs;
    let granted: Awaited<ReturnType<typeof grant>>;
    try {
      granted = await grant(lockOf(name), style);
    } catch (err) {
      bump(stats, err);
      await sleep(5);
      continue;
    }
    if (!granted) continue;
    const { held, handle } = granted;
    const start = now();
    stats.grants++;
    let lostAt: number | undefined;
    const onAbort = () => {
      if (isLockLostError(held.signal?.reason)) lostAt = now();
    };
    held.signal?.addEventListener('abort', onAbort, { once: true });
    const validAtGrant = held.expiresAt === null || held.expiresAt === undefined ? undefined : fromPerformance(held.expiresAt);
    const record: HoldRecord = { lock: name, worker, start, end: start, fence: fenceOf(held.fencingToken), validUntil: validAtGrant, style };
    if (onHold) await onHold(record, handle);
    await sleep(holdMs);
    const releaseAt = now();
    const validUntil = held.expiresAt === null || held.expiresAt === undefined ? Infinity : fromPerformance(held.expiresAt);
    record.end = Math.min(releaseAt, validUntil, lostAt ?? Infinity);
    log(record);
    held.signal?.removeEventListener('abort', onAbort);
    await held.release().catch((err: unknown) => bump(stats, err));
  }
}

export function fenceOf(token: number | bigint | undefined): string | undefined {
  return token === undefined ? undefined : BigInt(token).toString();
}
