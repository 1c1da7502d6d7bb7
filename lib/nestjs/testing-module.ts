import { Module, type DynamicModule } from '@nestjs/common';
import { memoryBackend } from '../backends/memory/descriptor';
import { MemoryStore } from '../backends/memory/memory-store';
import type { SherlockModuleExtras, SherlockModuleOptions } from './options';
import { SherlockModule } from './sherlock-module';

/**
 * Options of {@link SherlockTestingModule.forRoot}: the lock defaults (without backend and
 * client, which are the in-memory ones), the module extras, and the store to use.
 *
 * @example
 * ```ts
 * const shared = new MemoryStore(); // two test apps contending for the same locks
 * SherlockTestingModule.forRoot({ store: shared, expire: 1_000 });
 * ```
 */
export interface SherlockTestingOptions extends Omit<SherlockModuleOptions, 'backend' | 'client'>, Omit<SherlockModuleExtras, 'isGlobal'> {
  /** The in-memory store of the locks; a new one by default. Share one between apps to make them contend. */
  store?: MemoryStore;
}

/**
 * A test double for your own tests: `SherlockModule` on the in-memory backend, global, so
 * `@WithLock`, `LockService` and `CurrentLock` behave as in production (same semantics as
 * the network backends) with no server. The store is provided as `MemoryStore`: get it from
 * the testing module to inspect locks or force a loss (`store.forceDelete(key)`).
 *
 * @example
 * ```ts
 * const moduleRef = await Test.createTestingModule({
 *   imports: [SherlockTestingModule.forRoot()],
 *   providers: [InvoiceService],
 * }).compile();
 * const store = moduleRef.get(MemoryStore);
 * // ... start a call of a @WithLock method, then: store.forceDelete('invoice-42');
 * await moduleRef.close();
 * ```
 */
@Module({})
export class SherlockTestingModule {
  /** The in-memory module; see {@link SherlockTestingOptions}. */
  static forRoot(options: SherlockTestingOptions = {}): DynamicModule {
    const { store = new MemoryStore(), busyHttpStatus, ...defaults } = options;
    return {
      module: SherlockTestingModule,
      global: true,
      imports: [SherlockModule.forRoot({ ...defaults, backend: memoryBackend, client: store, isGlobal: true, busyHttpStatus })],
      providers: [{ provide: MemoryStore, useValue: store }],
      exports: [MemoryStore],
    };
  }
}
