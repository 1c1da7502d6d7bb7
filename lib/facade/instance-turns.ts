/**
 * The local queue that makes one `Lock` instance safe to share between concurrent tasks (a
 * NestJS provider, a module-level singleton).
 *
 * The Promise API keeps one grant per instance, and `release()` releases "the" grant. If two
 * tasks could both be granted through one instance, the slow task's `release()` (after its own
 * grant had expired and the other task's had started) would delete the other task's lock, and
 * a third owner would get in while that task believes it holds. So an instance hands out one
 * turn at a time, in FIFO order, from `acquire()` until the matching `release()`, even if the
 * grant was lost meanwhile: nobody else is told "you hold it" through this instance while a
 * task that was told so has not released.
 */
import { monotonicNow } from '../core/clock';
import { timerDelay } from '../core/timers';

interface Waiter {
  /** Gives the turn to this waiter. */
  grant(): void;
}

/** A FIFO of callers waiting for their turn on one instance. */
export class InstanceTurns {
  private taken = false;
  private readonly waiters: Waiter[] = [];

  /** Whether some caller has the turn now. */
  get busy(): boolean {
    return this.taken;
  }

  /** Takes the turn if nobody has it and nobody waits; returns whether it did. */
  tryTake(): boolean {
    if (this.taken || this.waiters.length > 0) return false;
    this.taken = true;
    return true;
  }

  /**
   * Waits for the turn, in arrival order. Rejects with `onTimeout()` after `timeoutMs`
   * (`Infinity`: never), or with `signal.reason` when aborted; a caller that gave up is taken
   * out of the queue and never gets the turn.
   */
  take(timeoutMs: number, signal: AbortSignal | undefined, onTimeout: () => unknown): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryTake()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = monotonicNow() + timeoutMs;
      const leave = (err: unknown): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        cleanup();
        reject(err);
      };
      const onAbort = (): void => leave(signal!.reason);
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: () => {
          cleanup();
          resolve();
        },
      };
      // Chained, like every long wait: a timeout beyond setTimeout's range re-arms.
      const arm = (): void => {
        if (timeoutMs === Infinity) return;
        timer = setTimeout(() => (monotonicNow() >= deadline ? leave(onTimeout()) : arm()), timerDelay(deadline - monotonicNow()));
      };
      this.waiters.push(waiter);
      arm();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Ends the current turn: the longest waiter gets it, or it becomes free. */
  pass(): void {
    const next = this.waiters.shift();
    if (next) next.grant();
    else this.taken = false;
  }
}
