import { ConfigurableModuleBuilder, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import type { SherlockModuleExtras, SherlockModuleOptions } from './options';
import { LockBusyExceptionFilter } from './busy-exception-filter';

/** The status the busy filter answers unless `busyHttpStatus` says otherwise: 409 Conflict. */
export const DEFAULT_BUSY_HTTP_STATUS = 409;

/**
 * Nest's configurable-module builder gives forRoot/forRootAsync (useFactory, useClass,
 * useExisting, inject, imports) the same shape as every other Nest module; the extras shape
 * the definition: global visibility and the HTTP filter for busy locks.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } = new ConfigurableModuleBuilder<SherlockModuleOptions>({
  moduleName: 'Sherlock',
})
  .setClassMethodName('forRoot')
  .setExtras<SherlockModuleExtras>({ isGlobal: false, busyHttpStatus: DEFAULT_BUSY_HTTP_STATUS }, (definition, extras) => withExtras(definition, extras))
  .build();

function withExtras(definition: DynamicModule, extras: SherlockModuleExtras): DynamicModule {
  const status = extras.busyHttpStatus ?? DEFAULT_BUSY_HTTP_STATUS;
  const filter: Provider[] =
    status === false
      ? []
      : [{ provide: APP_FILTER, useFactory: (host: HttpAdapterHost) => new LockBusyExceptionFilter(host, status), inject: [HttpAdapterHost] }];
  return { ...definition, global: extras.isGlobal === true, providers: [...(definition.providers ?? []), ...filter] };
}
