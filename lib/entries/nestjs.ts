/**
 * `sherlock-rx/nestjs`: NestJS 11 integration. `SherlockModule` provides a `LockService` on
 * your backend and client; `@WithLock(key, options?)` runs provider and controller methods
 * (Promise or Observable) under a lock and passes a loss into the work (`CurrentLock.signal`,
 * or the stream erroring with `LockLostError`); with `@nestjs/schedule`, `@WithLock(name,
 * { blocking: false })` runs a job once per tick across instances; a busy lock answers HTTP 409.
 * `SherlockTestingModule` is the in-memory double for your tests. Needs `@nestjs/common`,
 * `@nestjs/core` and `reflect-metadata`, and `experimentalDecorators` + `emitDecoratorMetadata`.
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { Injectable, Module } from '@nestjs/common';
 * import { Cron, ScheduleModule } from '@nestjs/schedule';
 * import { Redis } from 'ioredis';
 * import { backends } from 'sherlock-rx';
 * import { CurrentLock, SherlockModule, WithLock } from 'sherlock-rx/nestjs';
 *
 * @Injectable()
 * class Billing {
 *   constructor(private readonly currentLock: CurrentLock) {}
 *
 *   @Cron('0 0 * * * *')
 *   @WithLock('hourly-billing', { blocking: false, autoRenew: true })
 *   async bill(): Promise<void> {
 *     await chargeAll({ signal: this.currentLock.signal });
 *   }
 * }
 *
 * @Module({
 *   imports: [ScheduleModule.forRoot(), SherlockModule.forRoot({ backend: backends.REDIS, client: new Redis(), isGlobal: true })],
 *   providers: [Billing],
 * })
 * export class AppModule {}
 * ```
 *
 * @packageDocumentation
 */
export { SherlockModule, type SherlockModuleRootOptions, type SherlockModuleAsyncOptions } from '../nestjs/sherlock-module';
export type { SherlockModuleOptions, SherlockModuleExtras } from '../nestjs/options';
export { SHERLOCK_MODULE_OPTIONS } from '../nestjs/tokens';
export { LockService, type LockServiceLockOptions } from '../nestjs/lock-service';
export { WithLock, type WithLockOptions, type LockKey, type LockedMethodDecorator } from '../nestjs/with-lock-decorator';
export { CurrentLock } from '../nestjs/current-lock';
export { LockBusyExceptionFilter } from '../nestjs/busy-exception-filter';
export { SherlockTestingModule, type SherlockTestingOptions } from '../nestjs/testing-module';
