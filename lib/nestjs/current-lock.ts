import { Injectable } from '@nestjs/common';
import type { LockHandle } from '../core/lock-handle';
import { LockConfigurationError } from '../errors';
import { lockStorage } from './lock-storage';

/**
 * The lock held by the `@WithLock` method currently running (read through
 * `AsyncLocalStorage`, so it follows the call's awaits and callbacks): inject it and read
 * `signal` to learn of a loss, `fencingToken` to fence writes.
 *
 * Why an injectable accessor and not a parameter decorator: a parameter decorator would add
 * a parameter that every caller of the method must leave room for (`settle(id, undefined)`),
 * would shift the arguments the key function sees, and Nest only fills custom parameter
 * decorators for controller routes, not for provider methods or cron jobs. The accessor keeps
 * the method's signature as its callers know it and works wherever `@WithLock` does.
 *
 * Outside a `@WithLock` method, `handle` is `undefined` and `signal` throws.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class ReportJob {
 *   constructor(private readonly currentLock: CurrentLock) {}
 *
 *   @WithLock('monthly-report', { expire: 60_000, autoRenew: true })
 *   async build(): Promise<void> {
 *     for (const page of await this.pages()) {
 *       this.currentLock.signal.throwIfAborted(); // stops at the first page after a loss (LockLostError)
 *       await this.store.write(page, { fence: this.currentLock.fencingToken, signal: this.currentLock.signal });
 *     }
 *   }
 * }
 * ```
 */
@Injectable()
export class CurrentLock {
  /** The held handle, or `undefined` outside a `@WithLock` method. */
  get handle(): LockHandle | undefined {
    return lockStorage.getStore();
  }

  /**
   * Aborts with `LockLostError` when the lock is lost (and with a `LockError` once released).
   *
   * @throws LockConfigurationError outside a `@WithLock` method.
   */
  get signal(): AbortSignal {
    return this.required().signal;
  }

  /** The grant's fencing token (`undefined` where the backend has none, or outside a `@WithLock` method). */
  get fencingToken(): number | bigint | undefined {
    return this.handle?.fencingToken;
  }

  private required(): LockHandle {
    const handle = this.handle;
    if (!handle) throw new LockConfigurationError('CurrentLock: no lock is held here; read it inside a @WithLock method.');
    return handle;
  }
}
