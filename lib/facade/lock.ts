import { Observable, Subject, defer } from 'rxjs';
import type { BackendDescriptor } from '../core/driver';
import { appliesBaseNameRules } from '../core/define-backend';
import { assertBaseName } from '../core/lock-name';
import { acquireLock, tryAcquireLock, type AcquireObservableOptions } from '../core/acquire';
import { boundedCall, isBoolean } from '../core/call-deadline';
import { monotonicNow } from '../core/clock';
import type { LockEvent } from '../core/events';
import type { LockContext } from '../core/lock-context';
import type { LockHandle } from '../core/lock-handle';
import { LockConfigurationError, LockNotOwnedError, LockTimeoutError, isLockNotOwnedError, toBackendError } from '../errors';
import { resolveLockOptions, validateLockOptions, type LockOptions } from '../options';
import { currentConfiguration } from './configuration';
import { awaitGrant, type Grant, type GrantOutcome } from './grant-observer';
import { InstanceTurns } from './instance-turns';

/**
 * Options of {@link Lock.acquire}, {@link Lock.hold} and {@link Lock.run}.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * // Wait at most 5 s, or until the controller aborts (e.g. on shutdown).
 * await using handle = await lock.hold({ timeout: 5_000, signal: controller.signal });
 * ```
 */
export interface AcquireOptions {
  /** Wait for the lock (true, the default) or make exactly one attempt (false). */
  blocking?: boolean;
  /** Milliseconds to wait when blocking; defaults to the lock's `timeout`. `Infinity` waits forever. */
  timeout?: number;
  /** Cancels the wait: the call rejects with `signal.reason` and nothing is left held. */
  signal?: AbortSignal;
}

/**
 * A distributed lock with Python sherlock's API (milliseconds instead of seconds). Uses the
 * backend and client given to `configure()` unless `options.backend` / `options.client`
 * say otherwise; every option overrides the global default.
 *
 * Promise style: `acquire()` / `release()` / `locked()` / `renew()`, or scoped with
 * `await using handle = await lock.hold()` or (plain JavaScript) `lock.run(fn)`. Reactive
 * style: `acquire$()` and `withLock()`.
 *
 * @example
 * ```ts
 * const lock = new Lock('invoice-42', { expire: 30_000 });
 * if (await lock.acquire()) {
 *   try { await work(lock.fencingToken); } finally { await lock.release(); }
 * }
 * ```
 */
export class Lock implements AsyncDisposable {
  /** Lock name. */
  readonly name: string;
  private readonly eventSource = new Subject<LockEvent>();
  /**
   * The lifecycle events of everything done through this instance (`acquire()`, `hold()`,
   * `run()`, `acquire$()`, `withLock()`): see {@link LockEvent}. Hot: a subscriber sees only
   * the events emitted while it is subscribed. Costs nothing while nobody subscribes (no event
   * object is built). Every lock's events also go to the library-wide `lockEvents$`.
   *
   * @example
   * ```ts
   * const lock = new Lock('nightly-export');
   * lock.events$.subscribe((e) => console.log(e.type, e.owner));
   * await lock.run(() => exportAll());
   * // acquiring 1f3a9c…, acquired 1f3a9c…, released 1f3a9c…
   * ```
   */
  readonly events$: Observable<LockEvent> = this.eventSource.asObservable();
  private readonly options: LockOptions;
  private settings: (Omit<LockContext, 'driver'> & { descriptor: BackendDescriptor; client: unknown }) | undefined;
  private context: LockContext | undefined;
  /** The key the constructor already built (and so validated), reused when the backend and namespace still match. */
  private checkedKey: { backend: BackendDescriptor; namespace: string | null; key: string } | undefined;
  /** The grant of the caller whose turn it is (see {@link acquire}). */
  private current: Grant | undefined;
  private readonly turns = new InstanceTurns();
  private turnOutcome: GrantOutcome<boolean> | undefined;

  /**
   * @param name Lock name: a non-empty string of at most 200 characters without control
   *   characters; each backend may restrict it further (see the README).
   * @param options Per-lock options; durations in milliseconds.
   * @throws LockConfigurationError for an invalid name or option.
   */
  constructor(name: string, options?: LockOptions) {
    validateLockOptions(options, typeof name === 'string' ? name : undefined);
    this.options = { ...options };
    // The name is checked once: by the backend's keyFor (with the core's rules, which
    // defineBackend applies) when the backend is known, else by the core's rules now and the
    // backend's on first use.
    const backend = this.options.backend ?? currentConfiguration().backend;
    if (backend) {
      const namespace = this.options.namespace !== undefined ? this.options.namespace : currentConfiguration().defaults.namespace;
      this.checkedKey = { backend, namespace, key: keyOf(backend, name, namespace) };
    } else {
      assertBaseName(name, this.options.namespace ?? null);
    }
    this.name = name;
  }

  /**
   * A cold Observable of this lock: nothing reaches the backend before subscription; each
   * subscription is an independent acquisition with its own owner token. It emits one
   * {@link LockHandle} once the lock is held, holds it while subscribed and releases it on
   * unsubscribe, error or complete. Errors: `LockTimeoutError` (not acquired within
   * `timeout` ms), `LockLostError` (lost while held), `LockBackendError`, `LockConfigurationError`.
   */
  acquire$(options?: AcquireObservableOptions): Observable<LockHandle> {
    if (options?.timeout !== undefined) validateLockOptions({ timeout: options.timeout }, this.name);
    return defer(() => acquireLock(this.resolveContext(), options));
  }

  /**
   * Acquires the lock for the caller. Blocking (the default): resolves true, or rejects with
   * `LockTimeoutError` after `timeout` ms. Non-blocking (`acquire(false)`): one attempt,
   * resolves false when the lock is held elsewhere.
   *
   * An instance holds at most one grant, for one caller at a time: while a caller of this
   * instance holds it (from `acquire()` until its `release()`, even if the grant was lost
   * meanwhile), another `acquire()` on the same instance waits its turn in FIFO order within
   * its own `timeout`, and `acquire(false)` resolves false at once. So sharing one instance
   * between concurrent tasks is safe (`release()` always belongs to the caller that holds), but
   * they take turns; for independent concurrent holds use {@link hold} or {@link acquire$},
   * which give each caller its own handle. Not re-entrant: a caller that holds it and
   * acquires again waits for itself until its timeout.
   */
  acquire(blockingOrOptions: boolean | AcquireOptions = true): Promise<boolean> {
    try {
      const options = typeof blockingOrOptions === 'boolean' ? (blockingOrOptions ? BLOCKING : NON_BLOCKING) : (blockingOrOptions ?? BLOCKING);
      validateAcquireOptions(options, this.name);
      const blocking = options.blocking !== false;
      const waitFor = blocking ? (options.timeout ?? this.resolveSettings().options.timeout) : 0;
      if (!blocking) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (!this.turns.tryTake()) return Promise.resolve(false);
      } else if (options.signal?.aborted || !this.turns.tryTake()) {
        return this.acquireAfterTurn(waitFor, options.signal);
      }
      // A turn taken at once leaves the timeout whole (so a timeout message says the caller's own number of ms).
      return this.acquireInTurn(blocking, waitFor, options.signal);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** {@link acquire} once another caller of this instance has passed the turn on. */
  private async acquireAfterTurn(waitFor: number, signal: AbortSignal | undefined): Promise<boolean> {
    const startedAt = monotonicNow();
    await this.turns.take(waitFor, signal, () => this.busyInstanceTimeout(waitFor));
    // Time spent waiting for this instance's turn counts against the timeout.
    return this.acquireInTurn(true, Math.max(0, waitFor - (monotonicNow() - startedAt)), signal);
  }

  /**
   * {@link acquire} holding this instance's turn: passes it on unless granted. Written with
   * `then` rather than as an async function: a promise and a hop less per acquisition.
   */
  private acquireInTurn(blocking: boolean, waitFor: number, signal: AbortSignal | undefined): Promise<boolean> {
    let acquisition$: Observable<LockHandle>;
    try {
      if (signal?.aborted) throw signal.reason;
      const ctx = this.resolveContext();
      // Non-blocking: one attempt that simply completes when the lock is busy, so that
      // "busy" is an answer (false) and never an error that could be confused with a failure.
      acquisition$ = blocking ? acquireLock(ctx, { timeout: waitFor }) : tryAcquireLock(ctx);
    } catch (err) {
      this.turns.pass();
      return Promise.reject(err);
    }
    return awaitGrant(acquisition$, signal, (this.turnOutcome ??= this.newTurnOutcome()));
  }

  /** {@link acquireInTurn}'s outcome: made once per instance, settled in the grant's own step (no promise of its own). */
  private newTurnOutcome(): GrantOutcome<boolean> {
    return {
      granted: (grant) => {
        this.current = grant;
        return true;
      },
      notGranted: () => {
        this.turns.pass();
        return false;
      },
      failed: () => this.turns.pass(),
    };
  }

  /**
   * Acquires the lock like a blocking {@link acquire} (same options and errors) and resolves
   * with a held {@link LockHandle} of the caller's own, for scoped use:
   * `await using handle = await lock.hold();` releases at the end of the block. Each call is
   * an independent acquisition (it neither waits for nor affects this instance's
   * `acquire()`/`release()` turn), so concurrent tasks may share one instance through `hold()`.
   */
  async hold(options: AcquireOptions = {}): Promise<LockHandle> {
    validateAcquireOptions(options, this.name);
    // Unlike acquire(false), a non-blocking hold() has no "false" to give: busy is a LockTimeoutError.
    const timeout = options.blocking === false ? 0 : options.timeout;
    const granted = await this.grant(
      () => acquireLock(this.resolveContext(), { timeout }),
      options.signal,
    );
    // acquireLock never completes before its grant: it errors instead.
    return granted!.handle;
  }

  /**
   * Runs `fn` while holding the lock: the plain-JavaScript equivalent of
   * `await using handle = await lock.hold(options)`, for code (Node 20 JavaScript) that cannot
   * parse `await using`. Acquires like {@link hold} (same options and errors), calls
   * `fn(handle)`, waits for the value or promise it returns to settle, releases, then resolves
   * with `fn`'s value or rejects with its error (a synchronous throw included).
   *
   * - Not acquired (busy with `blocking: false`, `timeout` passed, `signal` aborted, backend
   *   down): rejects with that error (`LockTimeoutError`, `signal.reason`, `LockBackendError`);
   *   `fn` is never called. `options.signal` cancels the wait only, as in `hold()`.
   * - Lost while `fn` runs: `handle.signal` aborts with a `LockLostError` (pass it to the work so
   *   it stops); `run()` rejects with that `LockLostError` even if `fn` resolved, because the
   *   work ran partly unprotected and the caller must not take its result as done under the
   *   lock. `fn`'s value is not kept: whoever needs a partial result can keep it from inside `fn`.
   * - Release fails after `fn` resolved: rejects with the release error (as `await using`
   *   would).
   * - `fn` failed and the release failed too: rejects with `fn`'s error, the same object
   *   unchanged (so `instanceof` checks on your own error classes keep working); the release
   *   failure is logged under `NODE_DEBUG=sherlock-rx`, as in `withLock()`. It is not attached:
   *   an `AggregateError` would change the error's type on a rare path only, and a `cause`
   *   would overwrite yours and claim a causality that is usually false. When the failure was
   *   the loss itself (`fn` threw `handle.signal.reason`), that is the same `LockLostError`.
   *
   * Each call is an independent acquisition with its own handle, like `hold()`: it neither
   * waits for nor affects this instance's `acquire()`/`release()` turn, so concurrent tasks
   * may share one instance through `run()`; the backend still lets one of them in at a time.
   * Named `run` (not `runExclusive` or `using`): on a lock, "run" already says "run exclusively
   * under it", and `using` would suggest the `await using` statement it replaces.
   *
   * @param fn The work; receives the held {@link LockHandle} (`signal`, `fencingToken`, `expiresAt`).
   * @param options As for {@link hold}: `blocking`, `timeout` (ms), `signal`.
   * @throws LockConfigurationError (as a rejection) when `fn` is not a function; nothing is acquired.
   *
   * @example
   * ```js
   * // CommonJS on Node 20: no `await using` needed.
   * const total = await lock.run(async (handle) => {
   *   const rows = await db.query('SELECT ...', { signal: handle.signal });
   *   await db.write(sum(rows), { fence: handle.fencingToken, signal: handle.signal });
   *   return sum(rows);
   * }, { timeout: 5_000 });
   * ```
   */
  async run<T>(fn: (handle: LockHandle) => T | PromiseLike<T>, options: AcquireOptions = {}): Promise<T> {
    if (typeof fn !== 'function') {
      throw new LockConfigurationError(`Lock "${this.name}": run() takes a function, (handle) => work.`, { lockName: this.name });
    }
    const handle = await this.hold(options);
    let value: T;
    try {
      value = await fn(handle);
    } catch (err) {
      // The release failure is logged as its own lock event (NODE_DEBUG=sherlock-rx, lockEvents$).
      await handle.release().catch(() => undefined);
      throw err;
    }
    // A loss during the work surfaces here: release() rejects with the handle's LockLostError.
    await handle.release();
    return value;
  }

  /**
   * Subscribes to one acquisition and resolves with its handle and subscription once
   * granted, or with `undefined` if it completed without a grant (a busy one-attempt acquire).
   * Takes a factory rather than a `defer()`: a layer of subscribers less per acquisition, and
   * the context is still resolved only once the signal was checked.
   */
  private grant(
    makeAcquisition: () => Observable<LockHandle>,
    signal: AbortSignal | undefined,
  ): Promise<Grant | undefined> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let acquisition$: Observable<LockHandle>;
    try {
      acquisition$ = makeAcquisition();
    } catch (err) {
      return Promise.reject(err);
    }
    return awaitGrant(acquisition$, signal);
  }

  private busyInstanceTimeout(waitFor: number): LockTimeoutError {
    return new LockTimeoutError(
      `Lock "${this.name}" was not acquired within ${waitFor} ms (timeout): another caller of this Lock instance held it all along (an instance serves one caller at a time; use hold() for independent handles).`,
      { lockName: this.name },
    );
  }

  /**
   * Releases the lock held by this instance and waits for the backend. Rejects with
   * `LockNotOwnedError` if this instance does not hold it (never acquired, or already
   * released), and with `LockLostError` if it had expired or been taken by another owner
   * (whose lock is left untouched).
   */
  release(): Promise<void> {
    let current: Grant;
    try {
      current = this.ownedOrThrow('release');
    } catch (err) {
      return Promise.reject(err);
    }
    this.current = undefined;
    // A `then` rather than an async function's await: a promise hop less per release.
    const done = (): void => {
      current.subscription.unsubscribe();
      this.turns.pass();
    };
    return current.handle.release().then(done, (err: unknown) => {
      done();
      throw err;
    });
  }

  /**
   * Extends the held lock by `expire` ms. Resolves false if the lock is no longer ours
   * (expired or taken); rejects with `LockNotOwnedError` if this instance never acquired it
   * or released it.
   */
  renew(): Promise<boolean> {
    try {
      return this.ownedOrThrow('renew').handle.renew();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Whether anyone (this instance or another owner) holds the lock. */
  async locked(): Promise<boolean> {
    const ctx = this.resolveContext();
    try {
      return await boundedCall(() => ctx.driver.isLocked(ctx.key), isBoolean);
    } catch (err) {
      throw toBackendError(err, this.name, ctx.backend, 'check');
    }
  }

  /** The fencing token of the grant this instance holds (see `LockHandle.fencingToken`); undefined when not held. */
  get fencingToken(): number | bigint | undefined {
    return this.current?.handle.fencingToken;
  }

  /**
   * The local validity deadline of the grant this instance holds (see `LockHandle.expiresAt`:
   * monotonic `performance.now()` milliseconds, `null` for a lock that never expires);
   * undefined when not held. Work done after it passes is no longer protected.
   */
  get expiresAt(): number | null | undefined {
    return this.current?.handle.expiresAt;
  }

  /**
   * Aborts when the grant this instance holds ends (see `LockHandle.signal`: with a
   * `LockLostError` when it was lost); undefined when not held. Pass it to the work, so that
   * Promise-style code learns of a loss too:
   * `if (await lock.acquire()) { try { await work({ signal: lock.signal }); } finally { await lock.release(); } }`
   */
  get signal(): AbortSignal | undefined {
    return this.current?.handle.signal;
  }

  /** The backend key of this lock (e.g. `namespace_name`). */
  get key(): string {
    return this.resolveSettings().key;
  }

  /** Releases the lock if this instance holds it (`await using lock = new Lock(...)`). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.current || this.current.handle.state === 'released') return;
    await this.release().catch((err: unknown) => {
      if (!isLockNotOwnedError(err)) throw err;
    });
  }

  private ownedOrThrow(action: string): Grant {
    const current = this.current;
    if (!current || current.handle.state === 'released') {
      throw new LockNotOwnedError(
        `Cannot ${action} lock "${this.name}": this instance does not hold it (never acquired, or already released).`,
        { lockName: this.name },
      );
    }
    return current;
  }

  /** Backend, client, options and key: everything but the driver, so `key` loads no client library. */
  private resolveSettings(): Omit<LockContext, 'driver'> & { descriptor: BackendDescriptor; client: unknown } {
    if (this.settings) return this.settings;
    const global = currentConfiguration();
    const backend: BackendDescriptor | null = this.options.backend ?? global.backend;
    if (!backend) {
      throw new LockConfigurationError(
        `Lock "${this.name}": no backend is configured. Call configure({ backend: backends.REDIS, client }) first, pass { backend } to the Lock, or use RedisLock, MemcachedLock, EtcdLock or MemoryLock.`,
        { lockName: this.name },
      );
    }
    const client = this.options.client ?? (backend === global.backend ? global.client : undefined);
    if (client !== undefined && backend.isClient && !backend.isClient(client)) {
      throw new LockConfigurationError(`Lock "${this.name}": the client given is not a ${backend.name} client.`, {
        lockName: this.name,
      });
    }
    const options = resolveLockOptions(global.defaults, this.options);
    const checked = this.checkedKey;
    const key =
      checked && checked.backend === backend && checked.namespace === options.namespace ? checked.key : keyOf(backend, this.name, options.namespace);
    this.checkedKey = undefined;
    this.settings = { name: this.name, key, backend: backend.name, options, descriptor: backend, client };
    return this.settings;
  }

  private resolveContext(): LockContext {
    if (this.context) return this.context;
    const { name, key, backend, options, descriptor, client } = this.resolveSettings();
    // A literal, not a rest-and-spread copy: each of those got a hidden class of its own (~250
    // heap bytes per lock, measured with 10,000 held locks); literals share one.
    this.context = { name, key, backend, options, driver: descriptor.driverFor(client), events: this.eventSource };
    return this.context;
  }
}

/** The key of lock `name` on `backend`, with the core's name rules applied exactly once. */
function keyOf(backend: BackendDescriptor, name: string, namespace: string | null): string {
  if (!appliesBaseNameRules(backend)) assertBaseName(name, namespace);
  return backend.keyFor(name, namespace);
}

/** `acquire(true)`'s options, shared: no object per call. */
const BLOCKING: AcquireOptions = Object.freeze({ blocking: true });
/** `acquire(false)`'s options. */
const NON_BLOCKING: AcquireOptions = Object.freeze({ blocking: false });

function validateAcquireOptions(options: AcquireOptions, lockName: string): void {
  if (typeof options !== 'object' || options === null) {
    throw new LockConfigurationError(`Lock "${lockName}": acquire() takes a boolean or { blocking, timeout, signal }.`, {
      lockName,
    });
  }
  if (options.blocking !== undefined && typeof options.blocking !== 'boolean') {
    throw new LockConfigurationError(`Lock "${lockName}": "blocking" must be a boolean.`, { lockName });
  }
  if (options.timeout !== undefined) validateLockOptions({ timeout: options.timeout }, lockName);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new LockConfigurationError(`Lock "${lockName}": "signal" must be an AbortSignal.`, { lockName });
  }
}
