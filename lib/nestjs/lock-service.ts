import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Lock, type AcquireOptions } from '../facade/lock';
import { closeDefaultClients, inferBackend } from '../facade/backend-registry';
import type { LockHandle } from '../core/lock-handle';
import { LockConfigurationError } from '../errors';
import { validateLockOptions, type LockOptions } from '../options';
import { MODULE_OPTIONS_TOKEN } from './module-definition';
import type { SherlockModuleOptions } from './options';

/**
 * Per-lock options of {@link LockService.lock}: they override the module's defaults. The
 * backend and client stay the module's, so every lock of the service lives where it was configured.
 *
 * @example
 * ```ts
 * const lock = lockService.lock('export', { expire: 120_000, autoRenew: true } satisfies LockServiceLockOptions);
 * ```
 */
export type LockServiceLockOptions = Omit<LockOptions, 'backend' | 'client'>;

/**
 * Services whose locks use a backend's default client (none was configured). The default
 * clients are process-wide, so with several applications in one process only the last of
 * them to shut down closes them.
 */
const defaultClientUsers = new Set<LockService>();

/**
 * Makes locks on the module's backend and client, with the module's defaults. Provided by
 * `SherlockModule`; `@WithLock` uses the one of the application its class belongs to.
 *
 * On application shutdown it closes only what it opened itself: a client given in the
 * options is never closed; when none was given, its locks used the backend's default client,
 * and `closeDefaultClients()` is called once no other application of the process still uses it.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class InvoiceService {
 *   constructor(private readonly locks: LockService) {}
 *
 *   settle(id: string): Promise<void> {
 *     return this.locks.run(`invoice-${id}`, (handle) => this.ledger.settle(id, { signal: handle.signal, fence: handle.fencingToken }));
 *   }
 * }
 * ```
 */
@Injectable()
export class LockService implements OnApplicationShutdown {
  private readonly defaults: LockOptions;

  /** @param options The module's lock options (see {@link SherlockModuleOptions}); validated here, so bad options fail at bootstrap. */
  constructor(@Inject(MODULE_OPTIONS_TOKEN) options: SherlockModuleOptions) {
    validateLockOptions(options ?? {});
    const defaults: LockOptions = {};
    for (const [name, value] of Object.entries(options ?? {})) if (value !== undefined) (defaults as Record<string, unknown>)[name] = value;
    // A Lock given only a client would still take configure()'s backend: name the backend here.
    if (defaults.client !== undefined && defaults.backend === undefined) {
      const backend = inferBackend(defaults.client);
      if (!backend) throw new LockConfigurationError('SherlockModule: could not tell the backend from the client; pass `backend` too.');
      defaults.backend = backend;
    }
    this.defaults = defaults;
  }

  /**
   * A new {@link Lock} named `name` on the module's backend and client. Cheap: nothing reaches
   * the backend before the lock is used. One instance may be shared by concurrent callers
   * through `hold()`, `run()` and `acquire$()` (each gets its own handle).
   *
   * @throws LockConfigurationError for an invalid name or option.
   */
  lock(name: string, options?: LockServiceLockOptions): Lock {
    const { backend: _backend, client: _client, ...own } = (options ?? {}) as LockOptions;
    if (this.defaults.client === undefined) defaultClientUsers.add(this);
    return new Lock(name, { ...this.defaults, ...own });
  }

  /**
   * Runs `fn` while holding lock `name`: `lockService.lock(name, options).run(fn, options)`
   * (see `Lock.run`: `fn` gets the held handle; a loss aborts `handle.signal` and makes the
   * call reject with `LockLostError`).
   */
  run<T>(name: string, fn: (handle: LockHandle) => T | PromiseLike<T>, options?: LockServiceLockOptions & AcquireOptions): Promise<T> {
    const { blocking, signal, ...lockOptions } = options ?? {};
    return this.lock(name, lockOptions).run(fn, { blocking, signal });
  }

  /** Closes the default clients once no other live application uses them; never a client from the options. */
  async onApplicationShutdown(): Promise<void> {
    if (!defaultClientUsers.delete(this)) return;
    if (defaultClientUsers.size === 0) await closeDefaultClients();
  }
}
