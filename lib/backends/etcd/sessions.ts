/**
 * The sessions of one driver: at most one usable session per lease TTL, handed out with a
 * reference count and revoked when no contender uses it any more.
 */
import type { Namespace } from 'etcd3';
import { Session } from './session';
import { IDLE_SESSION_MS } from './settings';

export class SessionPool {
  /** The session new contenders of each TTL get. */
  private readonly current = new Map<number, Session>();
  private readonly idle = new Map<Session, NodeJS.Timeout>();
  private readonly open = new Set<Session>();

  constructor(private readonly client: Namespace) {}

  /** A session for lease TTL `ttl` (seconds), with one more reference. */
  use(ttl: number): Session {
    let session = this.current.get(ttl);
    if (!session || !session.usable) {
      session = new Session(this.client, ttl);
      const created = session;
      this.current.set(ttl, created);
      this.open.add(created);
      // Later acquisitions must not queue on a dead lease.
      created.onLost(() => this.retire(created));
    }
    this.cancelIdle(session);
    session.refs++;
    return session;
  }

  /** Drops one reference; an unused session is revoked (after a short idle time if still usable). */
  unuse(session: Session): void {
    session.refs--;
    if (session.refs > 0) return;
    if (!session.usable) {
      this.end(session);
      return;
    }
    const timer = setTimeout(() => this.end(session), IDLE_SESSION_MS);
    timer.unref();
    this.idle.set(session, timer);
  }

  /** Takes a session out of use for new contenders; it ends when its last contender leaves. */
  retire(session: Session): void {
    session.retired = true;
    if (this.current.get(session.ttl) === session) this.current.delete(session.ttl);
    if (session.refs <= 0) this.end(session);
  }

  /** Revokes every session (keys attached to them are deleted by etcd). */
  async close(): Promise<void> {
    const sessions = [...this.open];
    for (const s of sessions) this.cancelIdle(s);
    this.current.clear();
    this.open.clear();
    await Promise.all(sessions.map((s) => s.close()));
  }

  private end(session: Session): void {
    this.cancelIdle(session);
    if (this.current.get(session.ttl) === session) this.current.delete(session.ttl);
    if (!this.open.delete(session)) return;
    void session.close();
  }

  private cancelIdle(session: Session): void {
    const timer = this.idle.get(session);
    if (timer) clearTimeout(timer);
    this.idle.delete(session);
  }
}
