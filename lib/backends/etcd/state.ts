/**
 * The state one driver (one etcd3 client) shares between its verbs.
 */
import type { Namespace } from 'etcd3';
import type { RequestGate } from './gate';
import type { PrefixWatches } from './prefix-watches';
import type { Deleter } from './release';
import type { Session } from './session';
import type { SessionPool } from './sessions';

/** One acquisition's contender key (its place in the lock's queue, or the lock itself). */
export interface Contender {
  /** The acquisition's owner token. */
  readonly token: string;
  /** Lock prefix `P`. */
  readonly prefix: string;
  /** Session whose lease the key is attached to. */
  readonly session: Session;
  /** `P/<lease hex>[_n]`, relative to the client's namespace. */
  readonly key: string;
  /** Create revision of the key (decimal string) once it is known to exist. */
  createRevision: string | undefined;
  /**
   * Set when the acquisition lets go (before our own delete, so that the loss watch does not
   * take it for a loss): a put not yet sent is then dropped.
   */
  releasing: boolean;
  /** Whether a put of this key was sent (else release has nothing to delete). */
  mayExist: boolean;
  /** The put in progress, if any (settles, never rejects): release waits for it. */
  putting: Promise<unknown> | undefined;
}

export interface EtcdState {
  readonly client: Namespace;
  /**
   * Length in bytes of the client's key prefix (an `etcd3` `Namespace` prepends one): keys in
   * transaction responses come back raw, with it.
   */
  readonly rawPrefixLength: number;
  readonly sessions: SessionPool;
  readonly watches: PrefixWatches;
  /** Contender of each acquisition token that may have a key on the server. */
  readonly contenders: Map<string, Contender>;
  /** Acquisitions joining the queue (no contender yet): set `abandoned` to drop their put. */
  readonly joining: Map<string, { abandoned: boolean }>;
  /** Bounds the requests in flight (see `gate.ts`). */
  readonly gate: RequestGate;
  /** Coalesces and retries the deletes of contender keys. */
  readonly deleter: Deleter;
}

/** Forgets a contender whose key cannot exist any more, giving its session reference back. */
export function forgetContender(state: EtcdState, contender: Contender): void {
  if (state.contenders.get(contender.token) === contender) state.contenders.delete(contender.token);
  contender.session.freeKey(contender.key);
  state.sessions.unuse(contender.session);
}
