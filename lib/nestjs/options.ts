import type { LockOptions } from '../options';

/**
 * Options of `SherlockModule.forRoot()` (or what `forRootAsync()`'s factory returns): the lock
 * defaults of the module's {@link LockService}, with the names and meaning of `configure()`'s
 * options (durations in milliseconds). They apply to this module's locks only; the global
 * `configure()` defaults fill in what is not given here.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { backends } from 'sherlock-rx';
 * import type { SherlockModuleOptions } from 'sherlock-rx/nestjs';
 *
 * const options: SherlockModuleOptions = { backend: backends.REDIS, client: new Redis(), namespace: 'billing', expire: 30_000, autoRenew: true };
 * ```
 */
export type SherlockModuleOptions = LockOptions;

/**
 * Options of the module definition itself, given next to the lock options in `forRoot()` and
 * next to `useFactory` in `forRootAsync()` (they shape the module, so no factory can supply them).
 *
 * @example
 * ```ts
 * SherlockModule.forRoot({ backend: backends.MEMORY, isGlobal: true, busyHttpStatus: 423 });
 * ```
 */
export interface SherlockModuleExtras {
  /** Make `LockService` and `CurrentLock` visible to every module of the application. Default false. */
  isGlobal?: boolean;
  /**
   * The HTTP status answered when a lock is busy (`LockTimeoutError` reaches an HTTP handler),
   * through the exception filter the module registers globally; `false` registers no filter.
   * Default 409 (Conflict).
   */
  busyHttpStatus?: number | false;
}

