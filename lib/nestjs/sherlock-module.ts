import { Module } from '@nestjs/common';
import { ConfigurableModuleClass } from './module-definition';
import { CurrentLock } from './current-lock';
import { LockService } from './lock-service';

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
export class SherlockModule extends ConfigurableModuleClass {}
