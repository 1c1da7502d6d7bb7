/**
 * A backend written the way a plugin author would, with `defineBackend`: its "server" is a
 * plain Map with expiry times, it has no release notification (waiters poll) and no loss
 * watch. The conformance suite runs on it, proving the helper and the driver contract are
 * enough for a backend built outside the library.
 */
import { defineBackend, sherlockKey, assertBaseName, type AcquireAttempt, type LockDriver, type LockTarget } from '../../../lib/entries/backend';

interface Entry {
  token: string;
  /** Date.now() deadline, or null for no expiry. */
  expiresAt: number | null;
}

/** The "server": one keyspace, as a client of a real backend would address one. */
export class MapServer {
  readonly entries = new Map<string, Entry>();
  readonly fences = new Map<string, number>();

  /** The entry at `key` if it has not expired (expired ones are dropped, as a server does). */
  live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt !== null && Date.now() >= e.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }
}

/** Answers after a macrotask, like a network round trip. */
const roundTrip = <T>(answer: () => T): Promise<T> => new Promise((resolve) => setImmediate(() => resolve(answer())));

class MapDriver implements LockDriver {
  readonly backend = 'map';

  constructor(private readonly server: MapServer) {}

  tryAcquire(t: LockTarget): Promise<AcquireAttempt> {
    return roundTrip(() => {
      const held = this.server.live(t.key);
      if (held && held.token !== t.token) return { acquired: false };
      const fence = (this.server.fences.get(t.key) ?? 0) + 1;
      this.server.fences.set(t.key, fence);
      this.server.entries.set(t.key, { token: t.token, expiresAt: t.expire === null ? null : Date.now() + t.expire });
      return { acquired: true, fencingToken: fence };
    });
  }

  release(t: LockTarget): Promise<boolean> {
    return roundTrip(() => this.server.live(t.key)?.token === t.token && this.server.entries.delete(t.key));
  }

  renew(t: LockTarget): Promise<boolean> {
    return roundTrip(() => {
      const e = this.server.live(t.key);
      if (e?.token !== t.token) return false;
      e.expiresAt = t.expire === null ? null : Date.now() + t.expire;
      return true;
    });
  }

  isLocked(key: string): Promise<boolean> {
    return roundTrip(() => this.server.live(key) !== undefined);
  }
}

/** The backend: its client is a {@link MapServer}. */
export const mapBackend = defineBackend({
  name: 'map-conformance',
  keyFor(name, namespace) {
    assertBaseName(name, namespace);
    return sherlockKey(name, namespace);
  },
  isClient: (value: unknown): value is MapServer => value instanceof MapServer,
  clientDescription: 'a MapServer',
  load: () => undefined,
  createDriver: (_m, server) => new MapDriver(server),
});
