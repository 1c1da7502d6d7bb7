/**
 * Helpers shared by the ZooKeeper specs: the test server, raw clients of our own, and promise
 * forms of the few raw calls the specs make behind the library's back.
 */
import { createClient, type Client } from 'node-zookeeper-client';
import { startZooKeeper, zookeeperAvailable, type ZooKeeperServer } from '../../support/servers/zookeeper';

/**
 * Session timeout the spec clients ask for (ms): short, so expiry tests are quick, and long
 * enough that a starved test process (load above 10 on 2 cores here) keeps its sessions.
 */
export const SPEC_SESSION_TIMEOUT_MS = 4_000;

/** A connected client (resolves once its session is established). */
export function connectedClient(connectionString: string, sessionTimeout = SPEC_SESSION_TIMEOUT_MS): Promise<Client> {
  const client = createClient(connectionString, { sessionTimeout, spinDelay: 100 });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ZooKeeper session at ${connectionString} within 20 s`)), 20_000);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

/** The children of `path` ([] if it does not exist). */
export function childrenOf(client: Client, path: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    client.getChildren(path, (err, children) => {
      if (err && (err as { code?: number }).code === -101) resolve([]);
      else if (err) reject(err);
      else resolve(children);
    }),
  );
}

/** Deletes every child of `path` (as an operator removing a stuck lock would). */
export async function deleteChildren(client: Client, path: string): Promise<void> {
  for (const child of await childrenOf(client, path)) {
    await new Promise<void>((resolve, reject) =>
      client.remove(`${path}/${child}`, -1, (err) => (err && (err as { code?: number }).code !== -101 ? reject(err) : resolve())),
    );
  }
}

/** Closes a client and waits until its session is closed on the server (its nodes deleted). */
export function closeClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 5_000);
    timer.unref();
    client.once('disconnected', () => {
      clearTimeout(timer);
      resolve();
    });
    client.close();
  });
}

/**
 * Starts a standalone ZooKeeper for the enclosing describe() (skipping loudly when it is not
 * installed) and closes the clients the tests opened with {@link ZooKeeperHarness.client}.
 */
export function useZooKeeper(): ZooKeeperHarness {
  const harness = new ZooKeeperHarness();
  before(async function () {
    this.timeout(60_000);
    if (!zookeeperAvailable()) this.skip();
    harness.server = await startZooKeeper();
  });
  after(async function () {
    this.timeout(30_000);
    await harness.closeClients();
    await harness.server?.stop();
  });
  return harness;
}

export class ZooKeeperHarness {
  server: ZooKeeperServer | undefined;
  private readonly clients: Client[] = [];

  get connectionString(): string {
    if (!this.server) throw new Error('ZooKeeper is not started');
    return this.server.connectionString;
  }

  /** A new connected client of our own (a "user-supplied" client: the library never closes it). */
  async client(sessionTimeout = SPEC_SESSION_TIMEOUT_MS): Promise<Client> {
    const client = await connectedClient(this.connectionString, sessionTimeout);
    this.clients.push(client);
    return client;
  }

  async closeClients(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => closeClient(c)));
  }
}
