/**
 * Helpers shared by the etcd specs: the test server, raw clients, targets, and `etcdctl lock`
 * (etcd's own Go lock) as a second contender.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Etcd3 } from 'etcd3';
import { etcdBackend } from '../../../lib/backends/etcd/descriptor';
import { etcdAvailable, startEtcd, type EtcdServer } from '../../support/servers/etcd';
import { hasBinary } from '../../support/servers/process';
import { otherOwner, runPrefix, targetsFor } from '../../support/targets';

/**
 * Starts an etcd for the enclosing describe() (skipping it loudly when the binary is missing)
 * and returns an accessor. Clients made with {@link EtcdHarness.client} are closed after.
 */
export function useEtcd(): EtcdHarness {
  const harness = new EtcdHarness();
  before(async function () {
    this.timeout(30_000);
    if (!etcdAvailable()) this.skip();
    harness.server = await startEtcd();
  });
  after(async function () {
    harness.closeClients();
    await harness.server?.stop();
  });
  return harness;
}

/** The server of one describe() and the clients the tests opened on it. */
export class EtcdHarness {
  server: EtcdServer | undefined;
  private readonly clients: Etcd3[] = [];

  get url(): string {
    if (!this.server) throw new Error('etcd is not started');
    return this.server.url;
  }

  /** A new client of our own (a "user-supplied" client: the library never closes it). */
  client(): Etcd3 {
    const c = new Etcd3({ hosts: this.url });
    this.clients.push(c);
    return c;
  }

  closeClients(): void {
    for (const c of this.clients.splice(0)) c.close();
  }
}

/** A fresh lock target (new name, new token) under `namespace`. */
export const newTarget = targetsFor(etcdBackend);

export { otherOwner, runPrefix };

/** The contender keys under `P/` with their create revision and lease (hex), in create order. */
export async function rawContenders(client: Etcd3, prefix: string): Promise<{ key: string; createRevision: number; lease: string }[]> {
  const res = await client.getAll().prefix(`${prefix}/`).sort('Create', 'Ascend').exec();
  return res.kvs.map((kv) => ({
    key: kv.key.toString(),
    createRevision: Number(kv.create_revision),
    lease: BigInt(kv.lease).toString(16),
  }));
}

/** Whether the `etcdctl` binary is there (the interop tests need it). */
export const hasEtcdctl = (): boolean => hasBinary('etcdctl');

/** A running `etcdctl lock` process. */
export interface EtcdctlLock {
  readonly child: ChildProcess;
  /** Resolves with the first line etcdctl prints (its key, or the command's output) once it holds the lock. */
  readonly held: Promise<string>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** Whether it printed anything yet (i.e. it holds or held the lock). */
  readonly printed: boolean;
  /** SIGTERM: etcdctl unlocks and revokes its session before exiting. */
  stop(): Promise<void>;
}

/** Runs `etcdctl lock NAME [command...]` (etcd's Go concurrency.Mutex) against `url`. */
export function etcdctlLock(url: string, name: string, command: string[] = []): EtcdctlLock {
  const child = spawn('etcdctl', ['--endpoints', url, 'lock', name, ...command], {
    env: { ...process.env, ETCDCTL_API: '3' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let printed = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const held = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && !printed) {
        printed = true;
        resolve(line!);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => {
      if (!printed) reject(new Error(`etcdctl lock exited (${code}) without the lock: ${out}`));
    });
  });
  held.catch(() => undefined);
  return {
    child,
    held,
    exited,
    get printed() {
      return printed;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
