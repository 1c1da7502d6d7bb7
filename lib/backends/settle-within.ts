/**
 * A bound on how long a client library may take to settle a call, for the backends whose
 * clients can leave a promise pending forever (a request queued on a connection that never
 * comes back, or an object that merely looks like a client).
 */

/**
 * `work` (a promise, or whatever a misbehaving client returned instead), rejected with
 * `Error(timeoutMessage)` if it has not settled after `ms`. The timer is unreferenced: it never
 * keeps the process alive by itself.
 */
export function settleWithin<T>(work: PromiseLike<T> | T, ms: number, timeoutMessage: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(timeoutMessage)), ms);
    timer.unref();
    Promise.resolve(work).then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
