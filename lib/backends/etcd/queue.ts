/**
 * Reading a lock's queue: its contender keys in create-revision order.
 */
import type { IKeyValue } from 'etcd3';
import { isContenderOf } from './keys';

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
    if (isContenderOf(prefix, key)) out.push({ key, createRevision: BigInt(kv.create_revision) });
  }
  // etcd sorted them already; sorting again costs nothing and does not trust the wire.
  return out.sort((a, b) => (a.createRevision < b.createRevision ? -1 : a.createRevision > b.createRevision ? 1 : 0));
}
