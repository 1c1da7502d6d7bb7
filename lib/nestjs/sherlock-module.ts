import { Module, type ConfigurableModuleAsyncOptions, type DynamicModule } from '@nestjs/common';
import { ConfigurableModuleClass } from './module-definition';
import { CurrentLock } from './current-lock';
import { LockService } from './lock-service';
import type { SherlockModuleExtras, SherlockModuleOptions } from './options';

/**
 * The sherlock-rx module: `forRoot(options)` or `forRootAsync({ imports, useFactory, inject })`
 * provide a {@link LockService} on the configured backend and client, and {@link CurrentLock};
 * `isGlobal: true` makes them visible everywhere (what `@WithLock` in other modules needs).
 * It also registers the HTTP filter that answers 409 for a busy lock (`busyHttpStatus`).
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     SherlockModule.forRootAsync({
 *       isGlobal: true,
 *       imports: [ConfigModule],
 *       inject: [ConfigService],
 *       useFactory: (config: ConfigService) => ({ backend: backends.REDIS, client: new Redis(config.get('REDIS_URL')), namespace: 'shop' }),
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({ providers: [LockService, CurrentLock], exports: [LockService, CurrentLock] })
export class SherlockModule extends ConfigurableModuleClass {
  /**
   * The module with these lock defaults (`backend`, `client`, `namespace`, `expire`, `timeout`,
   * `retryInterval`, `autoRenew`) and extras (`isGlobal`, `busyHttpStatus`).
   */
  static override forRoot(options: SherlockModuleRootOptions): DynamicModule {
    return super.forRoot(options);
  }

  /**
   * The module with lock defaults built by `useFactory` (with `inject` from `imports`), or by
   * a `useClass` / `useExisting` provider; extras (`isGlobal`, `busyHttpStatus`) next to them.
   */
  static override forRootAsync(options: SherlockModuleAsyncOptions): DynamicModule {
    return super.forRootAsync(options);
  }
}

/**
 * What {@link SherlockModule.forRoot} takes: {@link SherlockModuleOptions} and {@link SherlockModuleExtras} in one object.
 *
 * @example
 * ```ts
 * const root: SherlockModuleRootOptions = { backend: backends.MEMORY, expire: 5_000, isGlobal: true };
 * ```
 */
export type SherlockModuleRootOptions = SherlockModuleOptions & SherlockModuleExtras;

/**
 * What {@link SherlockModule.forRootAsync} takes: Nest's async module options (`imports`,
 * `inject`, `useFactory`, `useClass`, `useExisting`) and {@link SherlockModuleExtras}.
 *
 * @example
 * ```ts
 * const async: SherlockModuleAsyncOptions = { inject: [ConfigService], useFactory: (c: ConfigService) => ({ namespace: c.get('APP') }) };
 * ```
 */
export type SherlockModuleAsyncOptions = ConfigurableModuleAsyncOptions<SherlockModuleOptions> & SherlockModuleExtras;
