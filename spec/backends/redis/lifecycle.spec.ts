import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { useRedis } from './support';

/** How long a child may live at all before it is killed (a child that hangs fails its test). */
const CHILD_KILL_MS = 25_000;
/**
 * How long a child may take to exit after its last step. The behaviour bounded here is "exits on
 * its own, within a few seconds"; the margin covers a loaded machine, not a tight deadline.
 */
const EXIT_AFTER_LAST_STEP_MS = 10_000;

interface ChildConfig {
  port: number;
  client: 'default' | 'user';
  op: 'acquire' | 'locked';
  stallAfterReady: boolean;
  close: boolean;
}

interface Step {
  step: string;
  at: number;
  [k: string]: unknown;
}

interface ChildRun {
  steps: Step[];
  code: number | null;
  killed: boolean;
  /** ms from spawn to exit, as seen by the parent. */
  lifetime: number;
  /** ms from the child's last printed step to its exit (child clock offset by its start). */
  exitAfterLastStep: number;
  stderr: string;
}

/** Runs children/lifecycle-child.ts; `onReady` runs when the child printed READY, before it goes on. */
function runChild(config: ChildConfig, onReady?: () => void): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'children', 'lifecycle-child.ts')], {
      env: { ...process.env, SHERLOCK_CHILD: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let killed = false;
    const killer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, CHILD_KILL_MS);
    const steps: Step[] = [];
    let lastStepAt = t0;
    let out = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        try {
          steps.push(JSON.parse(line) as Step);
        } catch {
          stderr += `non-JSON stdout: ${line}\n`;
          continue;
        }
        lastStepAt = Date.now();
        if (steps[steps.length - 1]!.step === 'ready') {
          try {
            onReady?.();
          } finally {
            child.stdin.end('go\n');
          }
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      const now = Date.now();
      resolve({ steps, code, killed, lifetime: now - t0, exitAfterLastStep: now - lastStepAt, stderr });
    });
  });
}

function stepNames(run: ChildRun): string[] {
  return run.steps.map((s) => s.step);
}

function describeRun(run: ChildRun): string {
  return JSON.stringify({ steps: run.steps, code: run.code, killed: run.killed, lifetime: run.lifetime, stderr: run.stderr.slice(-1500) });
}

/** Figures for the report: printed with `SHERLOCK_LIFECYCLE_REPORT=1`. */
function report(title: string, run: ChildRun): void {
  if (process.env.SHERLOCK_LIFECYCLE_REPORT) {
    // eslint-disable-next-line no-console
    console.log(`      [${title}] lifetime ${run.lifetime} ms, exit ${run.exitAfterLastStep} ms after last step: ${stepNames(run).join(' > ')}`);
  }
}

function expectCleanExit(run: ChildRun, expectedSteps: string[]): void {
  expect(run.killed, `the child did not exit on its own: ${describeRun(run)}`).to.equal(false);
  expect(run.code, describeRun(run)).to.equal(0);
  expect(stepNames(run), describeRun(run)).to.deep.equal(expectedSteps);
  expect(run.exitAfterLastStep, describeRun(run)).to.be.below(EXIT_AFTER_LAST_STEP_MS);
}

/**
 * The process-hygiene guarantees (issue 8, items 4 and 5): with the default client or a user's
 * client (closed by the user), after one acquire against a server that is up, down or stalled
 * (SIGSTOP), the process exits on its own within seconds, `await closeDefaultClients()`
 * settles, every failure reaches the caller as a LockError, and no rejection goes unhandled.
 */
describe('redis process lifecycle @integration', function () {
  this.timeout(CHILD_KILL_MS + 15_000);
  const redis = useRedis();

  const port = (): number => Number(new URL(redis.url).port);

  before(function () {
    if (!redis.server?.managed) this.skip(); // the tests stop and pause the server
  });

  afterEach(async function () {
    const server = redis.server!;
    server.resume();
    // A test that stopped the server leaves it stopped; start() of a running one would fail.
    await server.stop();
    await server.start();
  });

  for (const client of ['default', 'user'] as const) {
    for (const close of [true, false]) {
      const closing = close ? 'awaits closeDefaultClients()' : 'closes nothing but its own client';
      const ends = close ? ['closed', 'end'] : ['end'];

      it(`${client} client, server up: acquire + release, ${closing}, exits on its own`, async function () {
        const run = await runChild({ port: port(), client, op: 'acquire', stallAfterReady: false, close });
        report(`${client}/up/close=${close}`, run);
        expectCleanExit(run, ['result', ...ends]);
        expect(run.steps[0]).to.include({ acquired: true });
      });

      it(`${client} client, server down: acquire fails with a LockError, ${closing}, exits on its own`, async function () {
        await redis.server!.stop();
        const run = await runChild({ port: port(), client, op: 'acquire', stallAfterReady: false, close });
        report(`${client}/down/close=${close}`, run);
        expectCleanExit(run, ['result', ...ends]);
        expect(run.steps[0]).to.include({ lockError: true });
      });

      // Needs the core's 5000 ms bound on driver calls: without it the attempt waits as long as
      // the server stalls, and the child is killed.
      it(`${client} client, server stalled (SIGSTOP): acquire fails with a LockError, ${closing}, exits on its own`, async function () {
        const run = await runChild({ port: port(), client, op: 'acquire', stallAfterReady: true, close }, () => redis.server!.pause());
        report(`${client}/stalled/close=${close}`, run);
        expectCleanExit(run, ['ready', 'result', ...ends]);
        expect(run.steps[1]).to.include({ lockError: true });
      });
    }
  }

  it('default client, server stalled: locked() fails with a LockError, closeDefaultClients() settles, exits', async function () {
    const run = await runChild({ port: port(), client: 'default', op: 'locked', stallAfterReady: true, close: true }, () =>
      redis.server!.pause(),
    );
    report('default/stalled/locked', run);
    expectCleanExit(run, ['ready', 'result', 'closed', 'end']);
    expect(run.steps[1]).to.include({ lockError: true });
  });
});
