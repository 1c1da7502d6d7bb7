/**
 * One attempt of etcd's lock protocol (Go `concurrency.Mutex.tryAcquire`): put our contender
 * key if it does not exist yet, attached to the session lease, and read the queue in the same
 * transaction; we hold the lock when our key has the lowest create revision under `P/`.
 * A busy attempt keeps the key: it is our place in the FIFO queue.
 */
import type { AcquireAttempt, LockTarget } from '../../core/driver';
import { waitersPrefix } from './keys';
import { contendersIn, type QueuedKey } from './queue';
import { isLeaseInvalid } from './session';
import { callOptions, ttlFor } from './settings';
import { forgetContender, type Contender, type EtcdState } from './state';

/** `LockDriver.tryAcquire` on etcd: joins the queue (once per token), then checks whether we are at its head. */
export async function tryAcquire(state: EtcdState, target: LockTarget): Promise<AcquireAttempt> {
  const contender = state.contenders.get(target.token);
  if (contender && !contender.session.isLost) {
    // An earlier put whose answer was lost may have created our key: put it again, adopting it.
    if (contender.createRevision === undefined) return putKey(state, contender);
    const queue = await readQueue(state, contender);
    if (queue.some((q) => q.key === contender.key && q.createRevision === BigInt(contender.createRevision!))) {
      return decide(queue, contender);
    }
    // Our key is gone (deleted behind our back, or its lease expired): queue again, at the back.
  }
  if (contender) forgetContender(state, contender);
  const attempt = { abandoned: false };
  state.joining.set(target.token, attempt);
  try {
    return await enqueue(state, target, attempt);
  } catch (err) {
    // A lease revoked between its grant and our put: etcd refuses the put, so nothing was
    // created; one more try on a fresh session.
    if (!isLeaseInvalid(err)) throw err;
    return await enqueue(state, target, attempt);
  } finally {
    if (state.joining.get(target.token) === attempt) state.joining.delete(target.token);
  }
}

/**
 * The acquisition of `target.token` gave up (see `EtcdDriver.abandon`): a put of it that was
 * not sent yet is never sent. Its release still follows and deletes whatever was sent.
 */
export function abandon(state: EtcdState, target: LockTarget): void {
  const contender = state.contenders.get(target.token);
  if (contender) contender.releasing = true;
  const joining = state.joining.get(target.token);
  if (joining) joining.abandoned = true;
}

/** Joins the queue with a new contender key on the session of `target`'s TTL. */
async function enqueue(state: EtcdState, target: LockTarget, attempt: { abandoned: boolean }): Promise<AcquireAttempt> {
  const session = state.sessions.use(ttlFor(target.expire));
  let lease;
  try {
    lease = await session.grant();
    if (attempt.abandoned) throw abandonedError();
  } catch (err) {
    state.sessions.unuse(session);
    throw err;
  }
  const contender: Contender = {
    token: target.token,
    prefix: target.key,
    session,
    key: session.reserveKey(target.key, lease.hex),
    createRevision: undefined,
    releasing: false,
    mayExist: false,
    putting: undefined,
  };
  // Registered before the request: if its answer is lost, release() still deletes the key.
  state.contenders.set(target.token, contender);
  return putKey(state, contender);
}

/** Creates our contender key (unless it exists) and reads the queue, in one transaction. */
async function putKey(state: EtcdState, contender: Contender): Promise<AcquireAttempt> {
  const { client } = state;
  const lease = await contender.session.grant();
  const queue = () => client.getAll().prefix(waitersPrefix(contender.prefix)).sort('Create', 'Ascend');
  const sent = state.gate.run(contender.prefix, () => {
    // Released while waiting for a slot (its caller gave up): nothing was written, send nothing.
    if (contender.releasing) throw abandonedError();
    contender.mayExist = true;
    return (
      client
        .if(contender.key, 'Create', '==', 0)
        .then(client.put(contender.key).value('').lease(lease.id), queue())
        // The key exists: an earlier request of ours that went through although its answer was lost.
        .else(client.get(contender.key), queue())
        .options(callOptions())
        .commit()
    );
  });
  contender.putting = sent.catch(() => undefined);
  let res;
  try {
    res = await sent;
  } catch (err) {
    if (isLeaseInvalid(err)) {
      contender.session.declareLost('etcd refused a put on it', err);
      forgetContender(state, contender);
    }
    throw err;
  }

  if (res.succeeded) {
    contender.createRevision = res.header.revision;
  } else {
    const existing = res.responses[0]?.response_range.kvs[0];
    if (!existing || existing.lease !== lease.id) {
      throw new Error(`etcd key "${contender.key}" exists but is not attached to our lease ${lease.hex}`);
    }
    contender.createRevision = existing.create_revision;
  }
  return decide(contendersIn(contender.prefix, res.responses[1]!.response_range.kvs, state.rawPrefixLength), contender);
}

/** Contenders of the lock created no later than ours (those after us cannot matter). */
async function readQueue(state: EtcdState, contender: Contender): Promise<QueuedKey[]> {
  const res = await state.gate.run(contender.prefix, () =>
    state.client
      .getAll()
      .prefix(waitersPrefix(contender.prefix))
      .sort('Create', 'Ascend')
      .maxCreateRevision(contender.createRevision!)
      .options(callOptions())
      .exec(),
  );
  return contendersIn(contender.prefix, res.kvs);
}

function abandonedError(): Error {
  return new Error('the acquisition was abandoned before its request was sent');
}

function decide(queue: readonly QueuedKey[], contender: Contender): AcquireAttempt {
  const ours = BigInt(contender.createRevision!);
  if (queue[0]?.createRevision === ours) {
    // Create revisions grow with every write in the cluster: a strictly increasing fencing token.
    return { acquired: true, fencingToken: Number(ours) };
  }
  return { acquired: false, queued: true };
}
