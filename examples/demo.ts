/**
 * Several workers contend for one lock; each takes it a few times, does a little "work"
 * guarded by the lock, and the summary checks that nobody ever overlapped and that the
 * fencing tokens only went up.
 *
 *   npm run demo                          # in-memory backend, no server needed
 *   npm run demo -- --backend redis       # REDIS_URL, default redis://127.0.0.1:6379
 *   npm run demo -- --backend memcached   # MEMCACHED_URL (host:port), default 127.0.0.1:11211
 *   npm run demo -- --backend etcd        # ETCD_URL, default http://127.0.0.1:2379
 *   npm run demo -- --backend file        # SHERLOCK_FILE_DIR, default a fresh temporary directory;
 *                                         # --processes 3: the workers run in 3 processes on it
 *   npm run demo -- --backend zookeeper   # ZOOKEEPER_URL (connection string), default 127.0.0.1:2181
 *   npm run demo -- --workers 8 --rounds 5
 *
 * The server variables are the ones the tests read (spec/support/servers/*), so one set of
 * variables points both at the same servers.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lock, LockDirectory, backends, closeDefaultClients, type BackendDescriptor } from '../lib';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** A client the demo made for a server, and how to close it (the library never closes a client it was given). */
interface Connection {
  readonly client: unknown;
  readonly where: string;
  close(): Promise<void>;
}

/**
 * One client per backend, from the environment. The client libraries are loaded only for the
 * backend chosen, so the memory demo loads none of them.
 */
const connectors: Record<string, () => Promise<Connection>> = {
  async redis() {
    const { Redis } = await import('ioredis');
    const where = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
    // One connection attempt: a demo pointed at a wrong address should say so, not retry forever.
    const client = new Redis(where, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    // QUIT fails on a connection that is already gone (the server was down): then just drop it.
    return { client, where, close: () => client.quit().then(() => undefined, () => client.disconnect()) };
  },
  async memcached() {
    const memjs = await import('memjs');
    // host:port, as memjs takes it; a memcached:// prefix (as the tests accept) is dropped.
    const where = (process.env.MEMCACHED_URL || '127.0.0.1:11211').replace(/^memcached:\/\//, '');
    const client = memjs.Client.create(where, { timeout: 1, conntimeout: 1 });
    return { client, where, close: async () => client.close() };
  },
  async file() {
    // A directory is the whole "server": every process pointed at it shares the locks.
    const where = arg('dir', process.env.SHERLOCK_FILE_DIR || mkdtempSync(join(tmpdir(), 'sherlock-demo-')));
    return { client: new LockDirectory(where), where, close: async () => undefined };
  },
  async etcd() {
    const { Etcd3 } = await import('etcd3');
    const where = process.env.ETCD_URL || 'http://127.0.0.1:2379';
    const client = new Etcd3({ hosts: where.split(',') });
    return { client, where, close: async () => client.close() };
  },
  async zookeeper() {
    const { createClient } = await import('node-zookeeper-client');
    const where = process.env.ZOOKEEPER_URL || '127.0.0.1:2181';
    const client = createClient(where, { sessionTimeout: 10_000 });
    // node-zookeeper-client retries forever: a demo pointed at a wrong address should say so.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.close();
        reject(new Error(`no ZooKeeper session at ${where} within 10 s`));
      }, 10_000);
      client.once('connected', () => {
        clearTimeout(timer);
        resolve();
      });
      client.connect();
    });
    // Closing the session deletes its nodes; wait for the server to confirm.
    const close = () =>
      new Promise<void>((resolve) => {
        client.once('disconnected', () => resolve());
        client.close();
      });
    return { client, where, close };
  },
};

const choices: Record<string, BackendDescriptor<any>> = {
  memory: backends.MEMORY,
  redis: backends.REDIS,
  memcached: backends.MEMCACHED,
  etcd: backends.ETCD,
  file: backends.FILE,
  zookeeper: backends.ZOOKEEPER,
};

async function main(): Promise<void> {
  const backendName = arg('backend', 'memory');
  const backend = Object.hasOwn(choices, backendName) ? choices[backendName] : undefined;
  if (!backend) throw new Error(`--backend must be one of ${Object.keys(choices).join(', ')}, got "${backendName}"`);
  const workers = Number(arg('workers', '4'));
  const rounds = Number(arg('rounds', '3'));
  const name = arg('name', `demo-${process.pid}`);
  const connection = Object.hasOwn(connectors, backendName) ? await connectors[backendName]!() : undefined;
  try {
    const demo = { backend, backendName, client: connection?.client, where: connection?.where, workers, rounds, name };
    if (backendName === 'file') await runProcesses(demo, Number(arg('processes', '3')));
    else await run(demo);
  } finally {
    await connection?.close();
    await closeDefaultClients();
  }
}

interface DemoRun {
  backend: BackendDescriptor<any>;
  backendName: string;
  client: unknown;
  where: string | undefined;
  workers: number;
  rounds: number;
  name: string;
  /** A file every process appends its grants to (file backend: the holders are in several processes). */
  journal?: string;
}

async function run({ backend, backendName, client, where, workers, rounds, name, journal }: DemoRun): Promise<void> {
  console.log(`${workers} workers x ${rounds} rounds on lock "${name}" (${backendName} backend${where ? ` at ${where}` : ''})\n`);
  const t0 = performance.now();
  const ms = () => `${(performance.now() - t0).toFixed(0).padStart(5)} ms`;
  let inside = 0;
  let overlaps = 0;
  const grants: Array<{ worker: number; fence: number | bigint | undefined }> = [];

  const worker = async (id: number) => {
    const lock = new Lock(name, { backend, client, expire: 5_000, timeout: 30_000, retryInterval: 50 });
    for (let round = 1; round <= rounds; round++) {
      const asked = performance.now();
      await using handle = await lock.hold();
      inside++;
      if (inside > 1) overlaps++;
      grants.push({ worker: id, fence: handle.fencingToken });
      if (journal) appendFileSync(journal, `start ${process.pid}/${id} ${String(handle.fencingToken)}\n`);
      console.log(
        `${ms()}  worker ${id} got the lock (round ${round}, waited ${(performance.now() - asked).toFixed(0)} ms, fencing token ${String(handle.fencingToken)})`,
      );
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
      if (journal) appendFileSync(journal, `end ${process.pid}/${id}\n`);
      inside--;
    }
  };

  await Promise.all(Array.from({ length: workers }, (_, i) => worker(i + 1)));
  const fences = grants.map((g) => g.fence);
  const increasing = fences.every((f, i) => i === 0 || f === undefined || (f as number) > (fences[i - 1] as number));
  console.log(`\nSummary: ${grants.length} grants in ${ms().trim()}, overlapping holders: ${overlaps}, fencing tokens strictly increasing: ${increasing}`);
  if (overlaps > 0 || !increasing) process.exitCode = 1;
}

/**
 * The file backend's demo: this process and `processes - 1` copies of it (`--child`) run their
 * workers on one directory, each appending its grants to a journal there; the summary then
 * checks the journal, where the holders of all processes meet.
 */
async function runProcesses(demo: DemoRun, processes: number): Promise<void> {
  const journal = join(demo.where!, `${demo.name}.journal`);
  if (process.argv.includes('--child')) return run({ ...demo, journal });
  const args = ['--backend', 'file', '--child', '--dir', demo.where!, '--name', demo.name, '--workers', String(demo.workers), '--rounds', String(demo.rounds)];
  const children = Array.from({ length: processes - 1 }, () =>
    spawn(process.execPath, [...process.execArgv, __filename, ...args], { stdio: ['ignore', 'inherit', 'inherit'] }),
  );
  const exits = children.map((child) => new Promise<number | null>((resolve) => child.on('exit', resolve)));
  console.log(`${processes} processes on ${demo.where}`);
  await run({ ...demo, journal });
  const codes = await Promise.all(exits);
  const lines = readFileSync(journal, 'utf8').trim().split('\n');
  let overlaps = 0;
  const fences: number[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const [start, holder, fence] = lines[i]!.split(' ');
    // Holders never overlap only if every start is followed by the same holder's end.
    if (start !== 'start' || lines[i + 1] !== `end ${holder}`) overlaps++;
    fences.push(Number(fence));
  }
  const increasing = fences.every((f, i) => i === 0 || f > fences[i - 1]!);
  console.log(`\nAll processes: ${fences.length} grants, overlapping holders: ${overlaps}, fencing tokens strictly increasing: ${increasing}`);
  if (overlaps > 0 || !increasing || codes.some((code) => code !== 0)) process.exitCode = 1;
}

main().catch(async (err: unknown) => {
  console.error(err);
  await closeDefaultClients().catch(() => undefined);
  process.exitCode = 1;
});
