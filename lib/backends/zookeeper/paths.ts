/**
 * Node layout of the ZooKeeper lock recipe, as kazoo's `Lock` (and Curator's mutex) use it: a
 * lock is the persistent node `/<namespace>/<name>`; each contender creates the ephemeral
 * sequential child `<32 hex>__lock__<10-digit sequence>`; the holder is the contender with the
 * lowest sequence. Pure (no client import): the descriptor builds paths without loading the
 * client library.
 */
import { LockConfigurationError } from '../../errors';

/** What kazoo puts between a contender's random prefix and its sequence number. */
export const LOCK_MARKER = '__lock__';

/**
 * kazoo 2.8's contender pattern for a plain lock: `__lock__` and a (possibly negative, after the
 * 32-bit counter wraps) 10-digit sequence at the end of the child's name. Children that do not
 * match (kazoo's read-lock nodes `__rlock__`, the parent of another lock) are not contenders.
 */
const CONTENDER = /__lock__(-?\d{10})$/;

/**
 * The lock node `/<namespace>/<name>`, or `/<name>` without a namespace. Throws
 * {@link LockConfigurationError} for what cannot be one ZooKeeper path element.
 */
export function lockPath(name: string, namespace: string | null): string {
  assertPathElement('lock name', name, name);
  if (namespace) assertPathElement('namespace', namespace, name);
  // `/zookeeper` is the server's own tree (quotas, config): no lock may live there.
  const first = namespace ?? name;
  if (first === 'zookeeper') {
    throw new LockConfigurationError(
      `Invalid ${namespace ? 'namespace' : 'lock name'} "zookeeper" for the ZooKeeper backend: /zookeeper is reserved by the server; pick another${namespace ? ' namespace' : ' name, or a namespace'}.`,
      { lockName: name },
    );
  }
  return namespace ? `/${namespace}/${name}` : `/${name}`;
}

function assertPathElement(what: string, value: string, lockName: string): void {
  const refuse = (why: string) => {
    throw new LockConfigurationError(`Invalid ${what} ${JSON.stringify(value)} for the ZooKeeper backend: ${why}.`, { lockName });
  };
  if (value.includes('/')) {
    refuse('"/" is not allowed, because it separates ZooKeeper path elements and would put one lock inside another');
  }
  if (value === '.' || value === '..') refuse('"." and ".." are relative path elements, which ZooKeeper refuses');
  // The core refuses control characters and lone surrogates; ZooKeeper's PathUtils also refuses
  // every UTF-16 code unit from U+D800 to U+F8FF (so any character outside the BMP) and U+FFF0-U+FFFF.
  if (/[\ud800-\uf8ff\ufff0-\uffff]/.test(value)) {
    refuse('characters outside the Basic Multilingual Plane, U+E000-U+F8FF and U+FFF0-U+FFFF are refused by ZooKeeper');
  }
}

/** The name prefix of the contender node of acquisition `token` (32 hex chars, like kazoo's uuid4 hex). */
export function contenderPrefix(token: string): string {
  return `${token}${LOCK_MARKER}`;
}

/** One contender child as listed under the lock node. */
export interface Contender {
  /** Child name, e.g. `6f0c...__lock__0000000003`. */
  readonly node: string;
  /** The sequence as written in the name (10 digits, or `-` and 10 digits after a wrap). */
  readonly sequence: string;
}

/** The contenders among `children`, in kazoo's order (by the sequence text, as kazoo sorts). */
export function contendersIn(children: readonly string[]): Contender[] {
  const out: Contender[] = [];
  for (const node of children) {
    const m = CONTENDER.exec(node);
    if (m) out.push({ node, sequence: m[1]! });
  }
  // kazoo sorts the regex groups as strings; doing the same keeps one order for mixed queues.
  return out.sort((a, b) => (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0));
}
