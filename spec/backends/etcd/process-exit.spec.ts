/**
 * Process hygiene of the etcd backend, in child processes (issue 8, process hygiene): after a
 * success, after an attempt against a server that is down, and after one against a stalled
 * server (SIGSTOP), the child's calls are bounded, `closeDefaultClients()` settles and the
 * process exits on its own once the user client is closed, with no unhandled rejection.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { etcdAvailable, startEtcdCluster, type EtcdCluster } from '../../support/servers/etcd';
import { freePort } from '../../support/servers/process';

const CHILD = join(__dirname, 'children', 'lifecycle-child.ts');
/** The child is killed after this long (ms): it must never be left running. */
const HARD_KILL_MS = 45_000;

interface ChildEvent {
  event: string;
  at: number;
  [k: string]: unknown;
}

interface ChildRun {
  events: ChildEvent[];
  code: number | null;
  signal: NodeJS.Signals | null;
  killed: boolean;
  /** From the child's last own step (`closed`) to its exit, measured by the parent (ms). */
  exitAfterClosedMs: number | undefined;
  stderr: string;
}

function runChild(env: Record<string, string>): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', CHILD], {
      env: { ...process.env, ...env, TS_NODE_TRANSPILE_ONLY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: ChildEvent[] = [];
    let out = '';
    let stderr = '';
    let closedAt: number | undefined;
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      let nl;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        try {
          const e = JSON.parse(line) as ChildEvent;
          if (e.event === 'closed') closedAt = Date.now();
          events.push(e);
        } catch {
          stderr += `(stdout) ${line}\n`;
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, HARD_KILL_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ events, code, signal, killed, exitAfterClosedMs: closedAt && Date.now() - closedAt, stderr });
    });
  });
}

function expectCleanExit(run: ChildRun): void {
  const detail = JSON.stringify(run, null, 1);
  expect(run.killed, `the child did not exit on its own: ${detail}`).to.equal(false);
  expect(run.code, detail).to.equal(0);
  expect(run.events.find((e) => e.event === 'closed'), detail).to.not.equal(undefined);
  // "On its own within a few seconds": generous for a loaded 2-core machine.
  expect(run.exitAfterClosedMs!, detail).to.be.lessThan(5_000);
  expect(run.events.find((e) => e.event === 'exit')?.unhandled, detail).to.deep.equal([]);
}

describe('etcd process exit (child processes) @integration', function () {
  this.timeout(60_000);
  let cluster: EtcdCluster;
  let url: string;
  const report: string[] = [];

  before(async function () {
    this.timeout(30_000);
    if (!etcdAvailable()) this.skip();
    // Our own member, even with ETCD_URL: the stall test freezes it.
    cluster = await startEtcdCluster(1);
    url = cluster.urls[0]!;
  });
  after(async function () {
    cluster?.members[0]?.resume();
    await cluster?.stop();
     
    if (process.env.SHERLOCK_REPORT) console.log(report.join('\n'));
  });

  const attempts = (run: ChildRun) => run.events.filter((e) => e.event === 'attempt');
  const summary = (label: string, run: ChildRun) =>
    report.push(
      `${label}: ${attempts(run).map((a) => `${a.label} ${a.outcome} in ${a.ms} ms`).join('; ')}; ` +
        `locked() ${run.events.find((e) => e.event === 'locked')?.outcome} in ${run.events.find((e) => e.event === 'locked')?.ms} ms; ` +
        `closeDefaultClients ${run.events.find((e) => e.event === 'closed')?.closeDefaultClientsMs} ms; ` +
        `exit ${run.exitAfterClosedMs} ms after it`,
    );

  it('exits on its own after acquiring and releasing on the default and a user client', async function () {
    const run = await runChild({ MODE: 'success', SHERLOCK_ETCD_HOSTS: url, USER_ETCD_URL: url });
    summary('success', run);
    expectCleanExit(run);
    expect(attempts(run).map((a) => a.outcome), JSON.stringify(run.events)).to.deep.equal(['acquired', 'acquired']);
    expect(run.events.find((e) => e.event === 'locked')?.outcome).to.equal('false');
  });

  it('exits on its own after one attempt against a server that is down', async function () {
    const down = `127.0.0.1:${await freePort()}`;
    const run = await runChild({ MODE: 'failure', SHERLOCK_ETCD_HOSTS: down, USER_ETCD_URL: down });
    summary('down', run);
    expectCleanExit(run);
    expect(attempts(run).map((a) => a.outcome), JSON.stringify(run.events)).to.deep.equal(['LockBackendError', 'LockBackendError']);
    expect(run.events.find((e) => e.event === 'locked')?.outcome).to.equal('LockBackendError');
  });

  it('bounds one attempt against a stalled server (SIGSTOP) and still exits on its own', async function () {
    const member = cluster.members[0]!;
    member.pause();
    let run: ChildRun;
    try {
      run = await runChild({ MODE: 'failure', SHERLOCK_ETCD_HOSTS: url, USER_ETCD_URL: url });
    } finally {
      member.resume();
    }
    summary('stalled', run);
    expectCleanExit(run);
    const tried = attempts(run);
    expect(tried.map((a) => a.outcome), JSON.stringify(run.events)).to.deep.equal(['LockBackendError', 'LockBackendError']);
    // The bound is the 5 s request deadline (a grant, then possibly a put): well under 30 s.
    const locked = run.events.find((e) => e.event === 'locked')!;
    expect(locked.outcome).to.equal('LockBackendError');
    for (const a of [...tried, locked]) expect(a.ms as number, JSON.stringify(a)).to.be.lessThan(30_000);
  });
});
