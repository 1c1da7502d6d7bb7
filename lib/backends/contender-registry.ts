/**
 * The contenders of the queue-based backends (etcd, ZooKeeper): one per acquisition token, made
 * on its first attempt and kept until its release, so that every attempt, renewal and watch of
 * one acquisition speaks of the same waiter key or node.
 */
import type { AcquireAttempt, LockTarget } from '../core/driver';

/** What the registry needs of a backend's contender. */
export interface TokenContender {
  /** `gone` once its key or node was deleted: a later attempt of the token starts a new one. */
  readonly state: string;
  tryAcquire(): Promise<AcquireAttempt>;
  /** Sends no create any more (the acquisition gave up); `release` still follows. */
  abandon(): void;
  /** Deletes its key or node; true if it was there. */
  release(): Promise<boolean>;
}

export class ContenderRegistry<C extends TokenContender> {
  private readonly byToken = new Map<string, C>();

  constructor(private readonly create: (target: LockTarget) => C) {}

  /** The contender of `token`, if it has not been released. */
  get(token: string): C | undefined {
    return this.byToken.get(token);
  }

  /** Joins the queue on the token's first attempt (or after its key went), then asks the contender. */
  tryAcquire(target: LockTarget): Promise<AcquireAttempt> {
    let contender = this.byToken.get(target.token);
    if (!contender || contender.state === 'gone') {
      contender = this.create(target);
      this.byToken.set(target.token, contender);
    }
    return contender.tryAcquire();
  }

  abandon(target: LockTarget): void {
    this.byToken.get(target.token)?.abandon();
  }

  /** Deletes the token's key or node (held or queued); the token is done with. */
  release(target: LockTarget): Promise<boolean> {
    const contender = this.byToken.get(target.token);
    if (!contender) return Promise.resolve(false);
    this.byToken.delete(target.token);
    return contender.release();
  }

  clear(): void {
    this.byToken.clear();
  }
}
