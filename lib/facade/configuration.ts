import type { BackendDescriptor } from '../core/driver';
import { LockConfigurationError } from '../errors';
import { DEFAULTS, resolveLockOptions, validateLockOptions, type LockOptions, type ResolvedLockOptions } from '../options';
import { inferBackend } from './backend-registry';

/**
 * Options of {@link configure}: global defaults for every lock.
 *
 * @example
 * ```ts
 * import { configure, type ConfigureOptions } from 'sherlock-rx';
 * import { memoryBackend } from 'sherlock-rx/memory';
 *
 * // Tests run without servers: every generic Lock then uses the in-process store.
 * const testDefaults: ConfigureOptions = { backend: memoryBackend, expire: 5_000, timeout: 1_000 };
 * configure(testDefaults);
 * ```
 */
export interface ConfigureOptions extends Omit<LockOptions, 'backend'> {
  /** Backend of the generic `Lock`: `backends.REDIS`, `backends.MEMCACHED`, `backends.ETCD`, `backends.MEMORY`, or a registered one. */
  backend?: BackendDescriptor | null;
}

interface GlobalConfig {
  backend: BackendDescriptor | null;
  client: unknown;
  defaults: ResolvedLockOptions;
}

const config: GlobalConfig = { backend: null, client: undefined, defaults: DEFAULTS };

/**
 * Sets global defaults, as Python sherlock's `configure()`: the `backend`, its `client`, and
 * any {@link LockOptions} field (each documented there, with its default; durations in ms).
 * Options not given keep their current value. With only a `client`, the backend is inferred from the
 * client's type; a client that does not belong to the backend is rejected.
 *
 * @example
 * ```ts
 * configure({ backend: backends.REDIS, client: new Redis(), namespace: 'billing', expire: 30_000 });
 * ```
 */
export function configure(options: ConfigureOptions): void {
  const { backend, ...rest } = options ?? ({} as ConfigureOptions);
  validateLockOptions(backend === null ? rest : options);
  let nextBackend = backend === undefined ? config.backend : backend;
  // A new backend without a client starts from that backend's default client.
  const nextClient = 'client' in rest ? rest.client : backend !== undefined && backend !== config.backend ? undefined : config.client;
  if (backend === undefined && rest.client !== undefined) {
    const inferred = inferBackend(rest.client);
    if (!inferred) {
      throw new LockConfigurationError(
        'configure(): could not tell the backend from the client; pass `backend` too (backends.REDIS, backends.MEMCACHED, backends.ETCD, backends.MEMORY).',
      );
    }
    nextBackend = inferred;
  }
  if (nextBackend && nextClient !== undefined && nextBackend.isClient && !nextBackend.isClient(nextClient)) {
    throw new LockConfigurationError(
      `configure(): the client given is not a ${nextBackend.name} client; pass a client of the ${nextBackend.name} backend or change \`backend\`.`,
    );
  }
  config.backend = nextBackend ?? null;
  config.client = nextClient;
  config.defaults = resolveLockOptions(config.defaults, rest);
}

/** Restores the state before any `configure()` call (mainly for tests). */
export function resetConfiguration(): void {
  config.backend = null;
  config.client = undefined;
  config.defaults = DEFAULTS;
}

/** The current global configuration (read-only view). */
export function currentConfiguration(): Readonly<GlobalConfig> {
  return config;
}
