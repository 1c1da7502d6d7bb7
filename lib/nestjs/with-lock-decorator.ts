import 'reflect-metadata';
import { Inject } from '@nestjs/common';
import { CONTROLLER_WATERMARK } from '@nestjs/common/constants';
import { EMPTY, Observable, catchError, defer, isObservable, throwError } from 'rxjs';
import { withLock } from '../core/with-lock';
import { LockConfigurationError, isLockTimeoutError } from '../errors';
import { LockService, type LockServiceLockOptions } from './lock-service';
import { lockStorage } from './lock-storage';

/**
 * The lock name of a `@WithLock` method: a fixed string, or a function of the method's arguments.
 *
 * @example
 * ```ts
 * const byOrder: LockKey<[orderId: string]> = (orderId) => `order-${orderId}`;
 * ```
 */
export type LockKey<A extends unknown[]> = string | ((...args: A) => string);

/**
 * Options of {@link WithLock}; durations in ms. `expire`, `timeout` and `autoRenew` override the module's.
 *
 * @example
 * ```ts
 * const cron: WithLockOptions = { blocking: false }; // busy: skip this tick
 * const api: WithLockOptions = { timeout: 2_000 }; // busy for 2 s: 409
 * ```
 */
export interface WithLockOptions extends Pick<LockServiceLockOptions, 'expire' | 'timeout' | 'autoRenew'> {
  /** Wait for the lock (true, the default, up to `timeout`) or make one attempt (false). */
  blocking?: boolean;
  /**
   * When the lock is busy (or not acquired within `timeout`): `'skip'` does not call the method
   * (a Promise resolves `undefined`, an Observable completes empty); `'throw'` fails with
   * `LockTimeoutError` (409 over HTTP). Default: `'skip'` for `blocking: false` outside
   * controllers (cron jobs), `'throw'` otherwise (a controller that skipped would answer 200 for work it did not do).
   */
  onBusy?: 'skip' | 'throw';
}

/**
 * What {@link WithLock} returns: a decorator for a method of any signature.
 *
 * @typeParam M The decorated method's type (kept as it is: callers see the same signature).
 *
 * @example
 * ```ts
 * const nightly: LockedMethodDecorator = WithLock('nightly', { blocking: false });
 * ```
 */
export type LockedMethodDecorator = <M extends (...args: never[]) => unknown>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/** Where the decorator finds the instance's own LockService (property-injected by Nest). */
const LOCK_SERVICE = Symbol('sherlock-rx:lockService');
/** Marks a class whose LockService property injection is already declared. */
const INJECTED = Symbol('sherlock-rx:lockServiceInjected');

/**
 * Runs the method only while holding a lock, on the application's `LockService` (no need to
 * inject it: the decorator declares a hidden property injection, so each application of the
 * process, each instance of the class, uses its own module's service and backend). The class
 * must be a provider or controller of a module that sees `SherlockModule` (imported there, or
 * `isGlobal: true`); otherwise Nest fails at bootstrap with a missing `LockService`.
 *
 * - **Promise methods** (`async`, or declared `: Promise<T>`; also the default): the lock is
 *   acquired when the method is called, the method runs while it is held, and it is released
 *   when its promise settles. A loss aborts `CurrentLock.signal` (inject {@link CurrentLock}
 *   and pass it on), and the call rejects with `LockLostError` even if the method resolved.
 * - **Observable methods** (declared `: Observable<T>`; TypeScript records the declared type
 *   with `emitDecoratorMetadata`): the call returns a cold Observable; each subscription
 *   acquires, then calls the method and mirrors its stream, and releases when it completes,
 *   errors or is unsubscribed. A loss unsubscribes the method's stream (the work is cancelled)
 *   and errors the result with `LockLostError`.
 *
 * Busy: see {@link WithLockOptions.onBusy}; over HTTP the module's filter answers 409.
 *
 * @param key Lock name, or a function of the method's arguments giving it.
 * @param options `blocking`, `onBusy`, `timeout`, `expire`, `autoRenew`.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class Jobs {
 *   constructor(private readonly currentLock: CurrentLock) {}
 *
 *   // Once per tick across every instance of the app; the others skip.
 *   @Cron('0 * * * * *')
 *   @WithLock('minutely-sync', { blocking: false })
 *   async sync(): Promise<void> {
 *     await this.client.sync({ signal: this.currentLock.signal });
 *   }
 *
 *   @WithLock((orderId: string) => `order-${orderId}`, { timeout: 2_000 })
 *   ship$(orderId: string): Observable<Shipment> {
 *     return this.shipping.ship$(orderId); // unsubscribed if the lock is lost
 *   }
 * }
 * ```
 */
export function WithLock<A extends unknown[]>(
  key: LockKey<A>,
  options: WithLockOptions = {},
): LockedMethodDecorator {
  validateDecoratorArguments(key, options);
  const { blocking, onBusy, ...lockOptions } = options;
  // The key function and the method are not tied by type (the decorator is built before it
  // sees the method): annotate the key function's parameters as the method's.
  return <M extends (...args: never[]) => unknown>(target: object, propertyKey: string | symbol, descriptor: TypedPropertyDescriptor<M>) => {
    const original = descriptor.value as ((this: object, ...args: A) => unknown) | undefined;
    const where = `@WithLock on ${target.constructor.name}.${String(propertyKey)}`;
    if (typeof original !== 'function') throw new LockConfigurationError(`${where}: only methods can be decorated.`);
    declareLockServiceInjection(target);
    const returnsObservable = isObservableType(Reflect.getMetadata('design:returntype', target, propertyKey));
    const call = (self: object, args: A) => {
      const service = lockServiceOf(self, where);
      const lock = service.lock(typeof key === 'string' ? key : key(...args), lockOptions);
      const skipWhenBusy = (onBusy ?? (blocking === false && !isController(self) ? 'skip' : 'throw')) === 'skip';
      return { lock, skipWhenBusy };
    };

    const wrapped = returnsObservable
      ? function (this: object, ...args: A): Observable<unknown> {
          return defer(() => {
            const { lock, skipWhenBusy } = call(this, args);
            let started = false;
            const source = { acquire$: () => lock.acquire$(blocking === false ? { timeout: 0 } : undefined) };
            return withLock(source, (handle) => {
              started = true;
              const result = lockStorage.run(handle, () => original.apply(this, args));
              if (!isObservable(result)) throw new LockConfigurationError(`${where}: declared to return an Observable, returned something else.`);
              return result;
            }).pipe(catchError((err: unknown) => (!started && skipWhenBusy && isLockTimeoutError(err) ? EMPTY : throwError(() => err))));
          });
        }
      : async function (this: object, ...args: A): Promise<unknown> {
          const { lock, skipWhenBusy } = call(this, args);
          let started = false;
          try {
            return await lock.run(
              async (handle) => {
                started = true;
                const result = await lockStorage.run(handle, () => original.apply(this, args));
                if (isObservable(result)) {
                  throw new LockConfigurationError(`${where}: returned an Observable; declare the return type (: Observable<T>) so the lock follows the subscription.`);
                }
                return result;
              },
              { blocking: blocking !== false },
            );
          } catch (err) {
            if (!started && skipWhenBusy && isLockTimeoutError(err)) return undefined;
            throw err;
          }
        };
    // Route, cron and other decorators keep their metadata on the function itself: carry it over
    // whichever order the decorators are written in.
    for (const metadataKey of Reflect.getOwnMetadataKeys(original)) {
      Reflect.defineMetadata(metadataKey, Reflect.getOwnMetadata(metadataKey, original), wrapped);
    }
    Object.defineProperty(wrapped, 'name', { value: original.name });
    descriptor.value = wrapped as unknown as M;
  };
}

function validateDecoratorArguments(key: unknown, options: WithLockOptions): void {
  if (typeof key !== 'string' && typeof key !== 'function') {
    throw new LockConfigurationError('@WithLock(key, options): key must be a string or a function of the method arguments.');
  }
  if (typeof options !== 'object' || options === null) throw new LockConfigurationError('@WithLock(key, options): options must be an object.');
  if (options.blocking !== undefined && typeof options.blocking !== 'boolean') throw new LockConfigurationError('@WithLock: "blocking" must be a boolean.');
  if (options.onBusy !== undefined && options.onBusy !== 'skip' && options.onBusy !== 'throw') {
    throw new LockConfigurationError('@WithLock: "onBusy" must be "skip" or "throw".');
  }
}

/** Declares (once per class) a property injection of LockService, so each instance gets its application's. */
function declareLockServiceInjection(prototype: object): void {
  if (Object.prototype.hasOwnProperty.call(prototype, INJECTED)) return;
  Object.defineProperty(prototype, INJECTED, { value: true });
  Inject(LockService)(prototype, LOCK_SERVICE);
}

function lockServiceOf(instance: object, where: string): LockService {
  const service = (instance as Record<symbol, unknown>)[LOCK_SERVICE];
  if (service instanceof LockService) return service;
  throw new LockConfigurationError(
    `${where}: no LockService. The class must be created by Nest, in a module that imports SherlockModule (or with SherlockModule.forRoot({ isGlobal: true })).`,
  );
}

function isObservableType(type: unknown): boolean {
  return typeof type === 'function' && (type === Observable || type.prototype instanceof Observable);
}

function isController(instance: object): boolean {
  return Reflect.getMetadata(CONTROLLER_WATERMARK, instance.constructor) === true;
}
