/**
 * Key layout of etcd's own lock (Go `clientv3/concurrency.Mutex`, `etcdctl lock`): a lock is
 * the prefix `P`; each contender owns one key `P/<lease id in lowercase hex>` attached to its
 * lease; the holder is the key directly under `P/` with the lowest create revision. Also the
 * one place where etcd's revisions (decimal strings on the wire) become `bigint`s.
 *
 * This module is pure (no etcd3 import at run time): the descriptor uses it to build keys
 * without loading the client library.
 */
import type { IKeyValue } from 'etcd3';
import { LockConfigurationError } from '../../errors';

/**
 * The lock prefix `P`: `<namespace>/<name>`, or `<name>` without a namespace. Throws
 * {@link LockConfigurationError} for a name or namespace containing `/`.
 */
export function lockPrefix(name: string, namespace: string | null): string {
  assertNoSlash('lock name', name, name);
  if (namespace) assertNoSlash('namespace', namespace, name);
  return namespace ? `${namespace}/${name}` : name;
}

function assertNoSlash(what: string, value: string, lockName: string): void {
  if (!value.includes('/')) return;
  // Lock `b` in namespace `a` owns the keys under `a/b/`; a lock named `a/b` (or namespace `a/b`)
  // would own the very same keys, and lock `a` would see them as its own waiters.
  throw new LockConfigurationError(
    `Invalid ${what} ${JSON.stringify(value)} for the etcd backend: "/" is not allowed, because etcd ` +
      `lock keys are "<namespace>/<name>/<lease>" and a "/" would put one lock's keys under another lock's prefix.`,
    { lockName },
  );
}

/** The prefix every contender key of lock `prefix` starts with. */
export function waitersPrefix(prefix: string): string {
  return `${prefix}/`;
}

/**
 * A contender key for a lease: `P/<lease hex>` like Go's Mutex, or `P/<lease hex>_<n>` when
 * another contender of the same lease already uses the plain key (Go never shares a session
 * between two contenders of one lock; waiters only compare create revisions, so a suffix
 * without `/` stays interoperable).
 */
export function contenderKey(prefix: string, leaseHex: string, n: number): string {
  return n === 0 ? `${prefix}/${leaseHex}` : `${prefix}/${leaseHex}_${n}`;
}

/**
 * Whether `key` (relative to the client's namespace) is a contender of lock `prefix`: directly
 * under `P/`, not deeper (`P/x/...` belongs to lock `x` in namespace `P`).
 */
export function isContenderOf(prefix: string, key: string): boolean {
  const start = prefix.length + 1;
  return key.length > start && key.startsWith(waitersPrefix(prefix)) && !key.includes('/', start);
}

/** An etcd lease ID (decimal string, as etcd3 returns int64s) as Go prints it in keys: lowercase hex. */
export function leaseHex(leaseId: string): string {
  return BigInt(leaseId).toString(16);
}

/**
 * A revision as etcd3 returns it (an int64 as a decimal string) as a `bigint`: revisions
 * outgrow `Number.MAX_SAFE_INTEGER` on a long-lived cluster, and comparing the strings would
 * order "9" after "10". `"0"` (etcd's "no such key") comes back as `0n`.
 */
export function revision(wire: string): bigint {
  return BigInt(wire);
}

/** One contender key as read back from etcd. */
export interface QueuedKey {
  /** Key relative to the client's namespace. */
  readonly key: string;
  readonly createRevision: bigint;
}

/**
 * The contenders of lock `prefix` among `kvs` (a range over `P/` sorted by create revision),
 * dropping deeper keys, which belong to other locks. `rawPrefixLength` bytes are stripped first
 * when the keys come from a transaction (raw, with the client's namespace).
 */
export function contendersIn(prefix: string, kvs: readonly IKeyValue[], rawPrefixLength = 0): QueuedKey[] {
  const out: QueuedKey[] = [];
  for (const kv of kvs) {
    const key = kv.key.subarray(rawPrefixLength).toString('utf8');
    if (isContenderOf(prefix, key)) out.push({ key, createRevision: revision(kv.create_revision) });
  }
  // etcd sorted them already; sorting again costs nothing and does not trust the wire.
  return out.sort((a, b) => (a.createRevision < b.createRevision ? -1 : a.createRevision > b.createRevision ? 1 : 0));
}
