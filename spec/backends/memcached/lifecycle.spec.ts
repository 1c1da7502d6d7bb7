/**
 * Process hygiene: a process that used a memcached lock exits on its own once it is done,
 * whatever state the server was in, and `closeDefaultClients()` settles. Each case runs in a
 * child process (children/lifecycle.ts), because "the process exits" cannot be observed
 * from inside the test runner.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { memcachedAvailable, startMemcached, type MemcachedServer } from '../../support/servers/memcached';
import { freePort } from '../../support/servers/process';

/** Kills a child that has not exited by then: the test fails instead of hanging. */
const HARD_KILL_MS = 40_000;
/** "Exits on its own within a few seconds" once the child is done, with room for a loaded machine. */
const EXIT_AFTER_CLOSE_MS = 10_000;

const ROOT = join(__dirname, '..', '..', '..');
const CHILD = join(__dirname, 'children', 'lifecycle.ts');

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** Parent-clock ms from spawn to each marker's arrival. */
  marks: Map<string, number>;
  /** Parent-clock ms from spawn to exit. */
  exitMs: number;
}

function runChild(env: Record<string, string>, onMark: (name: string) => void = () => undefined): Promise<ChildRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.MEMCACHIER_SERVERS;
  const started = Date.now();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', CHILD], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let pending = '';
  const marks = new Map<string, number>();
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    pending += d.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const m = /^MARK (\S+)/.exec(line);
      if (m) {
        marks.set(m[1], Date.now() - started);
        onMark(m[1]);
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), HARD_KILL_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, marks, exitMs: Date.now() - started });
    });
  });
}

(memcachedAvailable() ? describe : describe.skip)('memcached process hygiene @integration', function () {
  this.timeout(HARD_KILL_MS + 20_000);
  let server: MemcachedServer;
  const timings: string[] = [];

  before(async () => {
    server = await startMemcached();
  });

  after(async () => {
    if (process.env.MC_HYGIENE_TIMINGS) console.log(timings.join('\n'));
    await server?.close();
  });

  for (const mode of ['default', 'user'] as const) {
    describe(`with the ${mode} client`, () => {
      async function run(scenario: string, address: string, onMark?: (name: string) => void): Promise<ChildRun> {
        const env: Record<string, string> = { MC_MODE: mode, MC_SCENARIO: scenario, MC_ADDRESS: address };
        if (mode === 'default') env.MEMCACHE_SERVERS = address;
        const run = await runChild(env, onMark);
        const closed = run.marks.get('closed');
        timings.push(
          `${mode}/${scenario}: exit ${run.exitMs} ms after spawn, ` +
            `${closed === undefined ? 'no close marker' : `${run.exitMs - closed} ms after closeDefaultClients() settled`}` +
            ` (markers: ${[...run.marks].map(([k, v]) => `${k} ${v} ms`).join(', ')})`,
        );
        expect(run.signal, `killed after ${HARD_KILL_MS} ms; output:\n${run.output}`).to.equal(null);
        expect(run.code, `output:\n${run.output}`).to.equal(0);
        expect(closed, `closeDefaultClients() never settled; output:\n${run.output}`).to.be.a('number');
        expect(run.exitMs - (closed as number), 'exit delay after the close').to.be.below(EXIT_AFTER_CLOSE_MS);
        return run;
      }

      it('exits after a successful acquire and release', async () => {
        await run('ok', server.address);
      });

      it('exits after an acquire against a down server', async () => {
        await run('down', `127.0.0.1:${await freePort()}`);
      });

      it('exits after an acquire whose request timed out on a stalled server', async function () {
        if (!server.managed) this.skip();
        server.pause();
        try {
          await run('stalled', server.address);
        } finally {
          server.resume();
        }
      });

      it('exits after a request timed out on a stalled server and the next ones used a new socket', async function () {
        if (!server.managed) this.skip();
        server.pause();
        try {
          await run('stall-resume', server.address, (name) => {
            if (name === 'pending') server.resume();
          });
        } finally {
          server.resume();
        }
      });

      it('exits after closing while a request waits on a stalled server', async function () {
        if (!server.managed) this.skip();
        server.pause();
        try {
          await run('close-in-flight', server.address);
        } finally {
          server.resume();
        }
      });
    });
  }
});
