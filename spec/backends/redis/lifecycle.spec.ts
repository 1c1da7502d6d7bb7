import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import { isRawClientError } from '../../support/checks';
import { QUIT_WAIT_MS, RedisDriver } from '../../../lib/backends/redis/driver';
import type { ChildConfig } from './children/lifecycle-child';
import { newTarget, useRedis } from './support';

/** How long a child may live at all before it is killed (a child that hangs fails its test). */
const CHILD_KILL_MS = 25_000;
/**
 * How long a child may take to exit after its last step. The behaviour bounded here is "exits on
 * its own, within a few seconds"; the margin covers a loaded machine, not a tight deadline.
 */
const EXIT_AFTER_LAST_STEP_MS = 10_000;


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

  // Needs the core's 5000 ms bound, like the stalled cases above.
  for (const close of [true, false]) {
    it(`default client, server stalled before the first connection: acquire fails with a LockError, ${close ? 'awaits closeDefaultClients()' : 'closes nothing'}, exits`, async function () {
      redis.server!.pause();
      const run = await runChild({ port: port(), client: 'default', op: 'acquire', stallAfterReady: false, close });
      report(`default/stalled-from-start/close=${close}`, run);
      expectCleanExit(run, ['result', ...(close ? ['closed', 'end'] : ['end'])]);
      expect(run.steps[0]).to.include({ lockError: true });
    });
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

/** Resolves with `p`'s outcome, or 'pending' if it has not settled after `ms`. */
function settledWithin<T>(p: Promise<T>, ms: number): Promise<{ value?: T; error?: unknown } | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((r) => (timer = setTimeout(() => r('pending'), ms)));
  return Promise.race([p.then((value) => ({ value }), (error: unknown) => ({ error })), pending]).finally(() => clearTimeout(timer));
}

/** RedisDriver.closeClient(), what closeDefaultClients() runs for the default client. */
describe('redis owned client closing @integration', function () {
  this.timeout(30_000);
  const redis = useRedis();
  const clients: Redis[] = [];

  const ownedDriver = (): { driver: RedisDriver; client: Redis } => {
    const client = new Redis(redis.url, { disconnectTimeout: 100 });
    client.on('error', () => undefined);
    clients.push(client);
    return { driver: new RedisDriver(client, { ownsClient: true }), client };
  };

  before(function () {
    if (!redis.server?.managed) this.skip();
  });

  afterEach(async function () {
    for (const c of clients.splice(0)) c.disconnect();
    const server = redis.server!;
    server.resume();
    await server.stop();
    await server.start();
  });

  it('settles a release waiting in the offline queue of a down server (ioredis 6 leaves it pending forever)', async function () {
    const { driver, client } = ownedDriver();
    await client.ping();
    await redis.server!.stop();
    // Bounded wait for ioredis to notice and wait to reconnect.
    for (let i = 0; i < 100 && client.status !== 'reconnecting'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(client.status).to.equal('reconnecting');
    const release = driver.release(newTarget('lifecycle'));
    await driver.closeClient();
    const outcome = await settledWithin(release, 2_000);
    expect(outcome).to.not.equal('pending');
    expect(isRawClientError((outcome as { error?: unknown }).error)).to.equal(true); // the core wraps it
    expect(client.status).to.equal('end');
  });

  it('settles when the server stalls (QUIT is never answered): waits QUIT_WAIT_MS, then drops the connection', async function () {
    const { driver, client } = ownedDriver();
    await client.ping();
    redis.server!.pause();
    const pending = driver.isLocked('stalled-key');
    const outcome = await settledWithin(driver.closeClient(), QUIT_WAIT_MS + 4_000);
    expect(outcome).to.deep.equal({ value: undefined });
    // The request the stall held is rejected by the drop, not left pending.
    const request = await settledWithin(pending, 2_000);
    expect(request).to.not.equal('pending');
    expect(isRawClientError((request as { error?: unknown }).error)).to.equal(true); // the core wraps it
  });
});
