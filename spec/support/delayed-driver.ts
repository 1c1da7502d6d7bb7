/**
 * A driver fake for unit tests: the memory backend's semantics, with every reply held back
 * by a delay the test chooses (so a grant can land after the subscriber left).
 */
import type { AcquireAttempt, LockDriver, LockTarget } from '../../lib/core/driver';
import { MemoryDriver } from '../../lib/backends/memory/memory-driver';
import { MemoryStore } from '../../lib/backends/memory/memory-store';
import type { LockContext } from '../../lib/core/lock-context';
import { DEFAULTS, type ResolvedLockOptions } from '../../lib/options';

export class DelayedDriver implements LockDriver {
  readonly backend = 'delayed';
  readonly store = new MemoryStore();
  private readonly inner = new MemoryDriver(this.store);
  /** Milliseconds before the request reaches the store, and before its answer comes back. */
  requestDelay: () => number = () => 0;
  replyDelay: () => number = () => 0;
  calls = { tryAcquire: 0, release: 0, renew: 0, isLocked: 0 };

  private async delayed<T>(op: () => Promise<T>): Promise<T> {
    await new Promise((r) => setTimeout(r, this.requestDelay()));
    const result = await op();
    await new Promise((r) => setTimeout(r, this.replyDelay()));
    return result;
  }

  tryAcquire(t: LockTarget): Promise<AcquireAttempt> {
    this.calls.tryAcquire++;
    return this.delayed(() => this.inner.tryAcquire(t));
  }
  release(t: LockTarget): Promise<boolean> {
    this.calls.release++;
    return this.delayed(() => this.inner.release(t));
  }
  renew(t: LockTarget): Promise<boolean> {
    this.calls.renew++;
    return this.delayed(() => this.inner.renew(t));
  }
  isLocked(key: string): Promise<boolean> {
    this.calls.isLocked++;
    return this.delayed(() => this.inner.isLocked(key));
  }
}

/** A context for the engine over `driver`. */
export function contextFor(driver: LockDriver, options: Partial<ResolvedLockOptions> = {}, name = 'unit'): LockContext {
  return { name, key: name, backend: driver.backend, driver, options: { ...DEFAULTS, ...options } };
}
