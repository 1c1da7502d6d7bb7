/**
 * Lock targets for driver-level specs: fresh names and tokens, as the core would make them.
 */
import { randomBytes } from 'node:crypto';
import type { BackendDescriptor, LockTarget } from '../../lib/core/driver';

/** A prefix unique to this run, so runs against a shared server do not collide. */
export function runPrefix(): string {
  return `srx${randomBytes(4).toString('hex')}`;
}

const newToken = () => randomBytes(16).toString('hex');
let counter = 0;

/** `newTarget(namespace, expire?, name?)` for `backend`: a fresh lock name and owner token. */
export function targetsFor(backend: BackendDescriptor) {
  return (namespace: string | null, expire: number | null = 10_000, name = `lock${++counter}`): LockTarget => ({
    name,
    key: backend.keyFor(name, namespace),
    token: newToken(),
    expire,
  });
}

/** The same lock as `target`, held by another acquisition (another token). */
export function otherOwner(target: LockTarget): LockTarget {
  return { ...target, token: newToken() };
}
