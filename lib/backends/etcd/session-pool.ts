/**
 * The sessions of one driver: at most one usable session per lease TTL, so that every lock
 * with the same `expire` shares one lease and one keepalive.
 */
import type { Namespace } from 'etcd3';
import { Session } from './session';

export class SessionPool {
  /** The session new contenders of each TTL get. */
  private readonly current = new Map<number, Session>();
  /** Every session not ended yet (in use, idle, or retired with users left). */
  private readonly open = new Set<Session>();

  constructor(private readonly client: Namespace) {}

  /** A session for lease TTL `ttl` (seconds), with one more user: give it back with `unuse()`. */
  use(ttl: number): Session {
    let session = this.current.get(ttl);
    if (!session?.usable) {
      session = new Session(this.client, ttl, (ended) => this.forget(ended));
      this.current.set(ttl, session);
      this.open.add(session);
    }
    session.use();
    return session;
  }

  /** Revokes every session (keys attached to them are deleted by etcd). */
  async close(): Promise<void> {
    const sessions = [...this.open];
    this.current.clear();
    this.open.clear();
    await Promise.all(sessions.map((s) => s.close()));
  }

  private forget(session: Session): void {
    if (this.current.get(session.ttl) === session) this.current.delete(session.ttl);
    this.open.delete(session);
  }
}
