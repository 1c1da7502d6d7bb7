/**
 * ZooKeeper for the tests: a standalone server, or a three-member ensemble on loopback for
 * fault tests, each on free ports with a temporary data dir. Debian ships no service unit, so
 * the java process is started directly (and killed directly: no wrapper shell in between).
 * `ZOOKEEPER_URL` (a connection string, e.g. `127.0.0.1:2181`) uses an existing server instead
 * of the standalone one.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ServerProcess, freePort, requireServerBinary, tempDir } from './process';

const JARS = ['/usr/share/java/slf4j-simple.jar', '/usr/share/java/zookeeper.jar'];
const MAIN = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';

/** Tick of the harness servers (ms): sessions time out in 2 to 20 ticks, so expiry tests are quick. */
export const TICK_MS = 500;

/** Whether the ZooKeeper tests can run (loud skip locally, failure under CI=true). */
export function zookeeperAvailable(): boolean {
  if (process.env.ZOOKEEPER_URL) return true;
  if (!JARS.every((jar) => existsSync(jar))) {
    const msg = 'ZooKeeper is not installed (no /usr/share/java/zookeeper.jar) and ZOOKEEPER_URL is not set';
    if (process.env.CI === 'true') throw new Error(`${msg}: CI must install it (see .ci/run).`);
    console.warn(`\n  !!! SKIPPING zookeeper tests: ${msg}.\n`);
    return false;
  }
  return requireServerBinary('java', 'ZOOKEEPER_URL');
}

/** Sends a four-letter command (`ruok`, `srvr`) and resolves with the answer ('' if none). */
export function fourLetter(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const sock = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => sock.destroy(), timeoutMs);
    sock.on('connect', () => sock.write(command));
    sock.on('data', (d: Buffer) => (answer += d.toString()));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

/** One server (standalone or a member of an ensemble) started by the harness. */
export class ZooKeeperMember {
  private readonly process: ServerProcess;

  constructor(
    readonly id: number,
    readonly clientPort: number,
    configPath: string,
  ) {
    this.process = new ServerProcess(`zookeeper ${id}`, 'java', ['-Xmx256m', '-cp', JARS.join(':'), MAIN, configPath], clientPort);
  }

  /** `127.0.0.1:<port>`. */
  get address(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  get running(): boolean {
    return this.process.running;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Starts the java process (a restarted member keeps its data dir). */
  start(): Promise<void> {
    return this.process.start();
  }

  /** Stops it (SIGKILL with `hard`, as a crash). */
  stop(hard = false): Promise<void> {
    return this.process.stop(hard);
  }

  pause(): void {
    this.process.pause();
  }

  resume(): void {
    this.process.resume();
  }

  /** `standalone`, `leader`, `follower`, or `undefined` while it serves no requests. */
  async mode(): Promise<string | undefined> {
    const srvr = await fourLetter(this.clientPort, 'srvr');
    return /Mode: (\w+)/.exec(srvr)?.[1];
  }
}

/** A harness-started ZooKeeper: one standalone server or an ensemble. */
export interface ZooKeeperServer {
  readonly members: readonly ZooKeeperMember[];
  /** Connection string of every member, e.g. `127.0.0.1:21810,127.0.0.1:21811`. */
  readonly connectionString: string;
  /** The member that is the leader now (a standalone server is its own leader). */
  leader(): Promise<ZooKeeperMember>;
  /** Waits until every running member serves requests. */
  ready(timeoutMs?: number): Promise<void>;
  /** Stops every member and removes the data dirs. */
  stop(): Promise<void>;
}

/**
 * Starts `size` members (1: standalone) on loopback. `minSessionTimeout` is one tick's worth of
 * pairs so clients may ask for sessions as short as 1 s.
 */
export async function startZooKeeper(size = 1): Promise<ZooKeeperServer> {
  const external = process.env.ZOOKEEPER_URL;
  if (external && size === 1) {
    return {
      members: [],
      connectionString: external,
      leader: () => Promise.reject(new Error('ZOOKEEPER_URL: the harness does not manage that server')),
      ready: async () => undefined,
      stop: async () => undefined,
    };
  }
  const ports: { client: number; peer: number; election: number }[] = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), peer: await freePort(), election: await freePort() });
  const dirs = ports.map(() => tempDir('zookeeper'));
  const members = ports.map((p, i) => {
    const dataDir = join(dirs[i]!.path, 'data');
    mkdirSync(dataDir);
    const lines = [
      `tickTime=${TICK_MS}`,
      `dataDir=${dataDir}`,
      `clientPort=${p.client}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      `minSessionTimeout=${2 * TICK_MS}`,
      `maxSessionTimeout=${40 * TICK_MS}`,
      'initLimit=10',
      'syncLimit=4',
      '4lw.commands.whitelist=*',
      // Specs open many clients from 127.0.0.1; the default (60 per address) would refuse some.
      'maxClientCnxns=0',
      // forceSync stays on: without it a restarted server can come back behind the zxid its
      // clients have seen, and ZooKeeper then refuses their reconnection for good.
    ];
    if (size > 1) {
      writeFileSync(join(dataDir, 'myid'), `${i + 1}\n`);
      ports.forEach((q, j) => lines.push(`server.${j + 1}=127.0.0.1:${q.peer}:${q.election}`));
    }
    const config = join(dirs[i]!.path, 'zoo.cfg');
    writeFileSync(config, `${lines.join('\n')}\n`);
    return new ZooKeeperMember(i + 1, p.client, config);
  });
  const stop = async () => {
    await Promise.all(members.map((m) => m.stop(true)));
    for (const d of dirs) d.remove();
  };
  const server: ZooKeeperServer = {
    members,
    connectionString: members.map((m) => m.address).join(','),
    async leader() {
      for (const m of members.filter((x) => x.running)) {
        const mode = await m.mode();
        if (mode === 'leader' || mode === 'standalone') return m;
      }
      throw new Error('no running ZooKeeper member is the leader');
    },
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (const m of members.filter((x) => x.running)) {
        while ((await m.mode()) === undefined) {
          if (Date.now() > deadline) throw new Error(`ZooKeeper ${m.address} does not serve requests after ${timeoutMs} ms`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    stop,
  };
  try {
    await Promise.all(members.map((m) => m.start()));
    await server.ready();
  } catch (err) {
    await stop();
    throw err;
  }
  return server;
}
