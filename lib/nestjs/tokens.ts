import { MODULE_OPTIONS_TOKEN } from './module-definition';

/**
 * Injection token of the module's lock options: what `forRoot()` got, or what
 * `forRootAsync()`'s factory returned.
 *
 * @example
 * ```ts
 * @Injectable()
 * class LockSettingsReport {
 *   constructor(@Inject(SHERLOCK_MODULE_OPTIONS) private readonly options: SherlockModuleOptions) {}
 * }
 * ```
 */
export const SHERLOCK_MODULE_OPTIONS: string | symbol = MODULE_OPTIONS_TOKEN;
