/**
 * The bound on every single backend call. A stalled server (a paused process, a black-holed
 * connection) would otherwise make a one-attempt `acquire(false)`, a `locked()` or a release
 * wait as long as the stall lasts; ioredis, for one, waits forever by default.
 */
import type { LockDriver } from './driver';
import { referencedTimers } from './timer-queue';

/**
 * How long the core waits for one backend call (ms) before failing it with `LockBackendError`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { BACKEND_CALL_TIMEOUT_MS } from 'sherlock-rx/backend';
 *
 * // The client gives up first, so the LockBackendError's `cause` is the client's own timeout.
 * const client = new Redis({ commandTimeout: BACKEND_CALL_TIMEOUT_MS - 500 });
 * ```
 */
export const BACKEND_CALL_TIMEOUT_MS = 5_000;

/** The call did not answer within its deadline; its outcome on the server is unknown. */
export class CallDeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms (server stalled or unreachable?)`);
    this.name = 'CallDeadlineExceeded';
  }
}

/**
 * `request`, or a rejection with {@link CallDeadlineExceeded} after `ms` milliseconds. The
 * deadline is referenced on purpose: a caller awaiting the answer must not see its process
 * exit in the middle of the await; it keeps the process for at most `ms`. With `isAnswer`, an
 * answer outside the driver's contract rejects with a `TypeError` (checked in the same step,
 * so the check costs no extra promise hop).
 */
export function withDeadline<T>(request: Promise<T>, ms: number = BACKEND_CALL_TIMEOUT_MS, isAnswer?: (value: unknown) => value is T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const deadline = referencedTimers.schedule(ms, () => reject(new CallDeadlineExceeded(ms)));
    request.then(
      (value) => {
        referencedTimers.cancel(deadline);
        if (isAnswer && !isAnswer(value)) reject(invalidAnswer(value));
        else resolve(value);
      },
      (err: unknown) => {
        referencedTimers.cancel(deadline);
        reject(err);
      },
    );
  });
}

/**
 * Calls `call` and bounds it. A driver that throws synchronously, returns something other
 * than a Promise, or (with `isAnswer`) answers something outside its contract gives a
 * rejection instead, so that the caller sees a `LockBackendError` rather than an unhandled
 * rejection deep in the engine.
 */
export function boundedCall<T>(
  call: () => Promise<T>,
  isAnswer?: (value: unknown) => value is T,
  ms: number = BACKEND_CALL_TIMEOUT_MS,
): Promise<T> {
  let request: Promise<T>;
  try {
    request = call();
  } catch (err) {
    return Promise.reject(err);
  }
  if (!request || typeof (request as { then?: unknown }).then !== 'function') {
    return Promise.reject(new TypeError(`the driver answered ${describe(request)} instead of a Promise`));
  }
  return withDeadline(request instanceof Promise ? request : Promise.resolve(request), ms, isAnswer);
}

/**
 * {@link boundedCall} of one call of `driver`: bounded by the deadline, unless the driver
 * answers in this process (`LockDriver.inProcess`: a deadline there would only cost one
 * timer-queue entry, a promise and two closures per call, ~8% of a memory acquire+release
 * cycle when profiled), where the answer is only checked.
 */
export function driverCall<T>(driver: LockDriver, call: () => Promise<T>, isAnswer?: (value: unknown) => value is T): Promise<T> {
  if (driver.inProcess !== true) return boundedCall(call, isAnswer);
  let request: Promise<T>;
  try {
    request = call();
  } catch (err) {
    return Promise.reject(err);
  }
  if (!(request instanceof Promise)) return boundedCall(() => request, isAnswer); // the checks and messages of the general path
  if (!isAnswer) return request;
  return request.then((value) => {
    if (!isAnswer(value)) throw invalidAnswer(value);
    return value;
  });
}

/** A `boolean` answer (release, renew, isLocked). */
export const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';

/** The error for a driver answer outside its contract (for a caller that checks the answer in a step of its own). */
export function invalidAnswer(value: unknown): TypeError {
  return new TypeError(`the driver answered ${describe(value)}, which is not a valid answer`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return Object.prototype.toString.call(value);
  return typeof value;
}
