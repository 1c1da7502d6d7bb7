/**
 * etcd for the tests: a single node, or a three-member cluster on loopback for fault tests,
 * each on free ports with a temporary data dir. `ETCD_URL` (e.g. `http://127.0.0.1:2379`) uses
 * an existing server instead of the single node.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { ServerProcess, freePort, hasBinary, requireServerBinary, tempDir } from './process';

/** Whether the etcd tests can run (loud skip locally, failure under CI=true). */
export function etcdAvailable(): boolean {
  return requireServerBinary('etcd', 'ETCD_URL');
}

/**
 * Whether the cluster tests can run: they start their own members, so they need the binary
 * even when `ETCD_URL` names an existing server (loud skip locally, failure under CI=true).
 */
export function etcdClusterAvailable(): boolean {
  if (hasBinary('etcd')) return true;
  const msg = 'etcd is not installed (the cluster tests start their own members, even with ETCD_URL)';
  if (process.env.CI === 'true') throw new Error(`${msg}: CI must install it (see .ci/run).`);
   
  console.warn(`\n  !!! SKIPPING etcd cluster tests: ${msg}.\n`);
  return false;
}

/** A data dir in memory when possible: etcd syncs every write to disk, tmpfs makes that free. */
function dataDir(label: string): { path: string; remove(): void } {
  if (existsSync('/dev/shm')) {
    const path = mkdtempSync(join('/dev/shm', `sherlock-rx-${label}-`));
    return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
  }
  return tempDir(label);
}

/** Waits until etcd at `urls` answers a linearizable read (the port opens before raft is ready). */
export async function waitForEtcd(urls: string | string[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A fresh client per probe: etcd3's circuit breaker would hold a client off for 5 s after
    // three failures.
    const client = new Etcd3({ hosts: urls });
    try {
      await client.get('sherlock-rx-probe').options({ deadline: Date.now() + 1000 });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`etcd at ${String(urls)} is not ready after ${timeoutMs} ms: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.close();
    }
  }
}

/** A running etcd the tests may use. */
export interface EtcdServer {
  /** Client URL, e.g. `http://127.0.0.1:23790`. */
  readonly url: string;
  /** Stops it (no-op for `ETCD_URL`) and removes its data dir. */
  stop(): Promise<void>;
}

/** One member of a harness-started etcd cluster. */
export class EtcdMember {
  private readonly process: ServerProcess;

  constructor(
    readonly name: string,
    readonly clientPort: number,
    readonly peerPort: number,
    dataPath: string,
    initialCluster: string,
    clusterToken: string,
    tuning: readonly string[],
  ) {
    this.process = new ServerProcess(`etcd ${name}`, 'etcd', [
      '--name', name,
      '--data-dir', dataPath,
      '--listen-client-urls', this.url,
      '--advertise-client-urls', this.url,
      '--listen-peer-urls', this.peerUrl,
      '--initial-advertise-peer-urls', this.peerUrl,
      '--initial-cluster', initialCluster,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', clusterToken,
      '--log-level', 'error',
      ...tuning,
    ], clientPort);
  }

  get url(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }

  get peerUrl(): string {
    return `http://127.0.0.1:${this.peerPort}`;
  }

  get running(): boolean {
    return this.process.running;
  }

  /** Starts the process (restarting a stopped member keeps its data). */
  start(): Promise<void> {
    return this.process.start();
  }

  /** Stops the process (SIGKILL with `hard`). */
  stop(hard = false): Promise<void> {
    return this.process.stop(hard);
  }

  /** Freezes the member with SIGSTOP until {@link resume}. */
  pause(): void {
    this.process.pause();
  }

  /** Resumes a paused member. */
  resume(): void {
    this.process.resume();
  }
}

/** Starts a single-node etcd on free loopback ports, or uses `ETCD_URL`. */
export async function startEtcd(): Promise<EtcdServer> {
  const external = process.env.ETCD_URL;
  if (external) return { url: external, stop: async () => undefined };
  const cluster = await startEtcdCluster(1);
  const member = cluster.members[0]!;
  return { url: member.url, stop: () => cluster.stop() };
}

/** A harness-started cluster. */
export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Client URLs of every member. */
  readonly urls: string[];
  /** The member that is the raft leader now (asks the running members). */
  leader(): Promise<EtcdMember>;
  /** Stops every member and removes the data dirs. */
  stop(): Promise<void>;
}

/**
 * Starts `size` members on loopback. Heartbeat 50 ms and election timeout 500 ms make a
 * leader failover take about half a second instead of one or two.
 */
export async function startEtcdCluster(size = 3): Promise<EtcdCluster> {
  const ports = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), peer: await freePort() });
  const dirs = ports.map(() => dataDir('etcd'));
  const names = ports.map((_, i) => `m${i}`);
  const initialCluster = ports.map((p, i) => `${names[i]}=http://127.0.0.1:${p.peer}`).join(',');
  const tuning = size > 1 ? ['--heartbeat-interval', '50', '--election-timeout', '500'] : [];
  const token = `sherlock-rx-${process.pid}-${ports[0]!.peer}`;
  const members = ports.map((p, i) => new EtcdMember(names[i]!, p.client, p.peer, dirs[i]!.path, initialCluster, token, tuning));
  const stop = async () => {
    await Promise.all(members.map((m) => m.stop(true)));
    for (const d of dirs) d.remove();
  };
  try {
    await Promise.all(members.map((m) => m.start()));
    await waitForEtcd(members.map((m) => m.url));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    members,
    urls: members.map((m) => m.url),
    stop,
    async leader() {
      // The leader is the member whose status names itself as the leader.
      for (const m of members.filter((x) => x.running)) {
        const client = new Etcd3({ hosts: m.url });
        try {
          const status = await client.maintenance.status({ deadline: Date.now() + 1000 });
          if (status.leader === status.header.member_id) return m;
        } catch {
          // down or not ready: ask the next one
        } finally {
          client.close();
        }
      }
      throw new Error('no running etcd member is the leader');
    },
  };
}
