/**
 * Fail fast while the connection is down. ioredis queues commands while it reconnects and
 * replays them later (for ~10 s with its default `maxRetriesPerRequest`), so an acquire on a
 * dead server would hang instead of failing. Acquire-side calls go through {@link ConnectionGuard}.
 */
import { debug } from '../../core/debug';
import type { IoRedisClient } from './client';


/**
 * How long the listeners stay on a user's client after its last request settled (ms). A lock
 * cycle is two requests in a row; adding and removing four listeners around each one was a
 * measurable share of the client CPU of an uncontended cycle.
 */
export const GUARD_LINGER_MS = 1_000;

/** Client states in which a command would only wait in the offline queue. */
const DOWN: ReadonlySet<string> = new Set(['close', 'reconnecting', 'end', 'disconnecting']);

/**
 * Races requests against the client's connection going down. One set of listeners per client
 * (attached while requests are pending and for {@link GUARD_LINGER_MS} after, or always for a
 * client we own), not one per request, so thousands of concurrent attempts do not trip the
 * EventEmitter leak warning.
 */
export class ConnectionGuard {
  private readonly pending = new Set<(err: unknown) => void>();
  private lastError: unknown;
  private attached = false;
  private lingerTimer: NodeJS.Timeout | undefined;

  /**
   * @param client the client to watch.
   * @param owned true for a client we created: its 'error' events are always listened to (an
   *   unheard 'error' makes ioredis print to the console), and the last one becomes the cause
   *   of the next fail-fast error. A user's client is only listened to while requests are pending
   *   and for {@link GUARD_LINGER_MS} after the last one.
   */
  constructor(
    private readonly client: IoRedisClient,
    private readonly owned: boolean,
  ) {
    if (owned) this.attach();
  }

  /**
   * Runs `send`, but rejects at once when the client is reconnecting or closed, and as soon as
   * it goes down while the request is pending, with the connection error (e.g. ECONNREFUSED) or
   * an Error describing the state. The request itself may still run later if ioredis replays it;
   * callers must be able to undo it (the core's owner-checked release does).
   */
  run<T>(send: () => Promise<T>): Promise<T> {
    const status = this.client.status;
    if (DOWN.has(status)) return Promise.reject(this.downError(status));
    return new Promise<T>((resolve, reject) => {
      // The promise's own reject is the pending entry (no abort closure per request): a
      // rejection after settling is a no-op, so the 'down' handler may call it at any time.
      let request: Promise<T>;
      try {
        // Listening first: if the client cannot be listened to, nothing is sent, and no request
        // is left to reject with nobody listening.
        this.pending.add(reject);
        this.attach();
        request = Promise.resolve(send());
      } catch (err) {
        this.forget(reject);
        reject(err);
        return;
      }
      request.then(
        (value) => {
          this.forget(reject);
          resolve(value);
        },
        (err: unknown) => {
          this.forget(reject);
          reject(err);
        },
      );
    });
  }

  private forget(reject: (err: unknown) => void): void {
    this.pending.delete(reject);
    if (this.pending.size === 0 && !this.owned) this.detachLater();
  }

  /** Unreferenced: listeners left on an idle client must not keep the process alive. */
  private detachLater(): void {
    if (this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      // Still busy: the request that empties the set again arms the next check.
      if (this.pending.size === 0) this.detach();
    }, GUARD_LINGER_MS);
    this.lingerTimer.unref();
  }

  private downError(status: string): unknown {
    return (
      this.lastError ??
      new Error(`the Redis connection is ${status} (server unreachable?); not waiting for it to come back`)
    );
  }

  private readonly onError = (err: unknown): void => {
    this.lastError = err;
  };

  private readonly onReady = (): void => {
    this.lastError = undefined;
  };

  private readonly onDown = (): void => {
    const err = this.downError(this.client.status);
    for (const reject of [...this.pending]) {
      this.forget(reject);
      reject(err);
    }
  };

  /** Throws if the client cannot be listened to (not an EventEmitter), leaving nothing attached. */
  private attach(): void {
    if (this.attached) return;
    try {
      this.client.on('error', this.onError);
      this.client.on('ready', this.onReady);
      this.client.on('reconnecting', this.onDown);
      this.client.on('end', this.onDown);
    } catch (err) {
      this.removeListeners();
      throw err;
    }
    this.attached = true;
  }

  private detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.lastError = undefined;
    this.removeListeners();
  }

  /** Never throws: it runs when requests settle, where a throw would become an unhandled rejection. */
  private removeListeners(): void {
    for (const [event, listener] of [
      ['error', this.onError],
      ['ready', this.onReady],
      ['reconnecting', this.onDown],
      ['end', this.onDown],
    ] as const) {
      try {
        this.client.off(event, listener);
      } catch {
        // A client without a working off() (not an ioredis client) has nothing to detach.
      }
    }
  }
}

interface ClosableInternals {
  setStatus?(status: string): void;
  flushQueue?(error: Error): void;
}

/**
 * `client.disconnect()`, made final. ioredis's disconnect() (5.9.3 and 6.0.0 alike) while it waits to reconnect
 * (status 'reconnecting') clears the reconnect timer but has no socket to close, so its close
 * handler never runs: the status stays 'reconnecting' and the commands in the offline queue
 * (e.g. a release sent while the server was down) never settle. Here they reject with
 * ioredis's own "Connection is closed." error and the client ends, as after any other close.
 */
export function disconnectNow(client: IoRedisClient): void {
  try {
    const waitingToReconnect = client.status === 'reconnecting';
    client.disconnect();
    if (!waitingToReconnect || client.status !== 'reconnecting') return;
    const internals = client as unknown as ClosableInternals;
    internals.setStatus?.('end');
    internals.flushQueue?.(new Error('Connection is closed.'));
  } catch (err) {
    // Closing runs from timers and event handlers, where a throw would crash the process; a
    // client that cannot be closed (not an ioredis client) has nothing of ours to close.
    debug('redis disconnect failed: %s', err);
  }
}
