/**
 * The one way a backend is built. Every backend has the same chores around its driver: load
 * its client library only when a lock of it is used, check a client without loading that
 * library, share one driver per client, open a default client when none is given and close
 * it on `closeDefaultClients()`. Written once here, typed on the backend's client `C`, so a
 * backend folder holds only what is particular to it.
 */
import { LockConfigurationError, isLockError } from '../errors';
import type { BackendDescriptor, LockDriver } from './driver';
import { assertBaseName } from './lock-name';

/**
 * What a backend provides to {@link defineBackend}. `M` is its lazily loaded driver module.
 *
 * @example
 * ```ts
 * import { defineBackend, sherlockKey, type BackendDefinition, type LockDriver } from 'sherlock-rx/backend';
 *
 * type DriverModule = typeof import('./map-driver');
 * const definition: BackendDefinition<MapClient, DriverModule, LockDriver> = {
 *   name: 'map', keyFor: sherlockKey, isClient: isMapClient, clientDescription: 'a MapClient (new MapClient())',
 *   // Required on first use only, so importing the backend does not load its client library.
 *   load: () => require('./map-driver') as DriverModule,
 *   createDriver: (m, client) => new m.MapDriver(client),
 * };
 * ```
 */
export interface BackendDefinition<C extends object, M, D extends LockDriver> {
  /** Unique backend name (e.g. `redis`), used in messages and by `backends.register()`. */
  readonly name: string;
  /**
   * The backend key of a lock. Throws `LockConfigurationError` for a name or namespace the
   * backend cannot store safely. Pure: must not touch the network or load the client library.
   * The core's own name rules (`assertBaseName`) are applied before it: check only what is
   * particular to the backend.
   */
  keyFor(name: string, namespace: string | null): string;
  /** Whether `value` is this backend's client: duck-typed, so the check loads no library. */
  isClient(value: unknown): value is C;
  /** The client expected, for messages: e.g. `an ioredis client (new Redis(...))`. */
  readonly clientDescription: string;
  /** The npm package the driver module needs, named in the error when it is missing. */
  readonly clientPackage?: string;
  /** Loads the driver module (and with it the client library); called once, on first use. */
  load(): M;
  /** A driver for `client`; `owned` is true for the default client (the backend closes it). */
  createDriver(module: M, client: C, owned: boolean): D;
  /** Opens the default client, used by locks given no client. */
  createDefaultClient?(module: M): C;
  /** Closes the default client and whatever its driver opened; must settle, in bounded time. */
  closeDefaultClient?(module: M, client: C, driver: D): Promise<void>;
}

/** Marks descriptors whose `keyFor` applies the core's name rules itself (see {@link appliesBaseNameRules}). */
const APPLIES_BASE_NAME_RULES = Symbol.for('sherlock-rx.appliesBaseNameRules');

/**
 * Whether `backend.keyFor` applies the core's name rules itself (every backend built with
 * {@link defineBackend}). For another descriptor the `Lock` applies them, so that each lock
 * name is checked exactly once by the core's rules and once by the backend's.
 */
export function appliesBaseNameRules(backend: BackendDescriptor): boolean {
  return (backend as { [APPLIES_BASE_NAME_RULES]?: unknown })[APPLIES_BASE_NAME_RULES] === true;
}

/**
 * The descriptor of a backend defined with {@link defineBackend}.
 *
 * @example
 * ```ts
 * import { backends } from 'sherlock-rx';
 * import { defineBackend, type DefinedBackend, type LockDriver } from 'sherlock-rx/backend';
 *
 * // Typed with LockDriver, as the built-in backends are, so the declarations do not name the driver class.
 * export const mapBackend: DefinedBackend<MapClient, LockDriver> = defineBackend(definition);
 * backends.register(mapBackend);
 * ```
 */
export interface DefinedBackend<C, D extends LockDriver> extends BackendDescriptor<C> {
  /** @internal See {@link appliesBaseNameRules}. */
  readonly [APPLIES_BASE_NAME_RULES]: true;
  driverFor(client: C | undefined): D;
  isClient(client: unknown): client is C;
  closeDefaultClients(): Promise<void>;
}

/**
 * Builds a backend descriptor from its {@link BackendDefinition}: lazy loading, client checks,
 * one driver per client (weakly held, so a dropped client takes its driver with it) and the
 * default client's life cycle.
 *
 * @example
 * ```ts
 * import { defineBackend, sherlockKey } from 'sherlock-rx/backend';
 *
 * export const mapBackend = defineBackend({
 *   name: 'map',
 *   keyFor: sherlockKey,
 *   isClient: (value: unknown): value is MapStore => value instanceof MapStore,
 *   clientDescription: 'a MapStore (new MapStore())',
 *   load: () => undefined, // no client library to load lazily
 *   createDriver: (_module, store) => new MapDriver(store),
 * });
 * ```
 */
export function defineBackend<C extends object, M, D extends LockDriver>(def: BackendDefinition<C, M, D>): DefinedBackend<C, D> {
  let module: { loaded: M } | undefined;
  const drivers = new WeakMap<C, D>();
  let byDefault: { client: C; driver: D } | undefined;

  const loaded = (): M => {
    if (!module) {
      try {
        module = { loaded: def.load() };
      } catch (err) {
        throw missingPackage(def, err) ?? err;
      }
    }
    return module.loaded;
  };

  const newDriver = (client: C, owned: boolean): D => {
    const m = loaded();
    try {
      return def.createDriver(m, client, owned);
    } catch (err) {
      if (isLockError(err)) throw err;
      // The client passed the duck-typed check but failed to set up (a look-alike, say).
      const detail = err instanceof Error ? err.message : String(err);
      throw new LockConfigurationError(
        `The ${def.name} backend could not use the client given (is it ${def.clientDescription}?): ${detail}`,
        { cause: err },
      );
    }
  };

  return {
    name: def.name,
    [APPLIES_BASE_NAME_RULES]: true,
    keyFor(name, namespace) {
      assertBaseName(name, namespace);
      return def.keyFor(name, namespace);
    },
    isClient: (client): client is C => def.isClient(client),

    driverFor(client) {
      if (client === undefined || client === null) {
        if (!byDefault) {
          if (!def.createDefaultClient) {
            throw new LockConfigurationError(`The ${def.name} backend has no default client: pass ${def.clientDescription} as "client".`);
          }
          let defaultClient: C;
          try {
            defaultClient = def.createDefaultClient(loaded());
          } catch (err) {
            throw missingPackage(def, err) ?? err;
          }
          byDefault = { client: defaultClient, driver: newDriver(defaultClient, true) };
        }
        return byDefault.driver;
      }
      if (!def.isClient(client)) {
        throw new LockConfigurationError(`The ${def.name} backend needs ${def.clientDescription} as "client".`);
      }
      let driver = drivers.get(client);
      if (!driver) {
        driver = newDriver(client, false);
        drivers.set(client, driver);
      }
      return driver;
    },

    async closeDefaultClients() {
      const current = byDefault;
      byDefault = undefined;
      if (current && module) await def.closeDefaultClient?.(module.loaded, current.client, current.driver);
    },
  };
}

/** A `LockConfigurationError` naming the package to install, when `err` says it is missing. */
function missingPackage(def: { name: string; clientPackage?: string }, err: unknown): LockConfigurationError | undefined {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const names = typeof message === 'string' && message.includes(`'${def.clientPackage}'`);
  if (!def.clientPackage || code !== 'MODULE_NOT_FOUND' || !names) return undefined;
  return new LockConfigurationError(
    `The ${def.name} backend needs the ${def.clientPackage} package: npm install ${def.clientPackage}.`,
    { cause: err },
  );
}
