/**
 * Session-bound locks: when the holder's session ends (its process killed, or frozen past the
 * session timeout) ZooKeeper deletes its node and the next waiter is granted the lock; a frozen
 * holder that wakes up learns it lost the lock (LockLostError). Holders run in child processes.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { ZooKeeperLock, isLockLostError } from '../../../lib';
import { runPrefix } from '../../support/targets';
import { LineProcess } from './line-process';
import { SPEC_SESSION_TIMEOUT_MS, useZooKeeper } from './support';

const HOLDER = join(__dirname, 'children', 'holder.ts');

describe('zookeeper backend: session expiry @integration', function () {
  this.timeout(120_000);
  const zk = useZooKeeper();
  const namespace = runPrefix();
  const children: LineProcess[] = [];
  let seq = 0;

  afterEach(async function () {
    await Promise.all(children.splice(0).map((c) => c.kill()));
  });

  const holder = async (name: string) => {
    const child = LineProcess.node(`holder of ${name}`, HOLDER, {
      ZK_HOSTS: zk.connectionString,
      ZK_NAMESPACE: namespace,
      ZK_NAME: name,
      ZK_SESSION_TIMEOUT: String(SPEC_SESSION_TIMEOUT_MS),
    });
    children.push(child);
    const fence = Number((await child.next('acquired ')).split(' ')[1]);
    return { child, fence };
  };

  it('grants the lock to the next waiter once a killed holder’s session expires', async function () {
    const name = `killed${++seq}`;
    const { child, fence } = await holder(name);
    const waiter = new ZooKeeperLock(name, { client: await zk.client(), namespace });
    expect(await waiter.acquire(false)).to.equal(false);
    const waiting = waiter.acquire({ timeout: 60_000 });
    await child.kill();
    expect(await waiting).to.equal(true);
    expect(Number(waiter.fencingToken)).to.be.greaterThan(fence);
    await waiter.release();
  });

  it('gives a holder frozen past the session timeout LockLostError, and its lock to the next waiter', async function () {
    const name = `frozen${++seq}`;
    const { child, fence } = await holder(name);
    const waiter = new ZooKeeperLock(name, { client: await zk.client(), namespace });
    const waiting = waiter.acquire({ timeout: 60_000 });
    child.signal('SIGSTOP');
    // The server expires the frozen holder's session and deletes its node: the waiter gets it.
    expect(await waiting).to.equal(true);
    expect(Number(waiter.fencingToken)).to.be.greaterThan(fence);
    child.signal('SIGCONT');
    expect(await child.next('lost ')).to.equal('lost LockLostError');
    // The old holder waking up changed nothing: the waiter still holds the lock.
    expect(await waiter.renew()).to.equal(true);
    await waiter.release();
  });

  it('reports LockLostError to a holder in this process when its session expires', async function () {
    const name = `expired${++seq}`;
    const client = await zk.client();
    const lock = new ZooKeeperLock(name, { client, namespace, expire: null });
    let granted!: () => void;
    const held = new Promise<void>((resolve) => (granted = resolve));
    const outcome = lock.run(
      (handle) =>
        new Promise<void>((resolve) => {
          granted();
          handle.signal.addEventListener('abort', () => resolve());
        }),
      { timeout: 10_000 },
    );
    // Once granted, end the session from the server's side (another connection closes it).
    await Promise.race([held, outcome]);
    // The twin that closes the session can lose a race with our client reconnecting to it (the
    // twin's connection is then the one dropped and the session lives on): try until the
    // server has really ended the session, as a third client sees by our node being gone.
    const observer = await zk.client();
    for (let tries = 0; (await contendersOf(observer, `/${namespace}/${name}`)) > 0; tries++) {
      expect(tries, 'the session survived every attempt to expire it').to.be.below(10);
      await expireSession(zk.connectionString, client);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const err = await outcome.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isLockLostError(err), String(err)).to.equal(true);
  });
});

/** How many children the lock node at `path` has now (0 when it is missing). */
function contendersOf(client: import('node-zookeeper-client').Client, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    client.getChildren(path, (err, children) => {
      if (err && (err as { getCode?: () => number }).getCode?.() === -101) resolve(0); // NO_NODE
      else if (err) reject(err);
      else resolve(children.length);
    });
  });
}

/**
 * Expires `client`'s session the way ZooKeeper's own tests do: a second client joins the same
 * session (id and password) and closes it; the server then ends the session and its nodes.
 */
async function expireSession(connectionString: string, client: import('node-zookeeper-client').Client): Promise<void> {
  const { createClient } = await import('node-zookeeper-client');
  const twin = createClient(connectionString, {
    sessionTimeout: client.getSessionTimeout(),
    sessionId: client.getSessionId(),
    sessionPassword: client.getSessionPassword(),
  } as never);
  await new Promise<void>((resolve) => {
    twin.once('connected', () => resolve());
    twin.connect();
  });
  await new Promise<void>((resolve) => {
    twin.once('disconnected', () => resolve());
    twin.close();
  });
}
