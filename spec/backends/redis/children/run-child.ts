/**
 * Runs lifecycle-child.ts in its own process and checks how it ends: for the lifecycle specs,
 * on ioredis 6 (lifecycle.spec.ts) and on ioredis 5 (ioredis5.spec.ts, with a preload that
 * makes `ioredis` resolve to 5 in the child).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ChildConfig } from './lifecycle-child';

/** How long a child may live at all before it is killed (a child that hangs fails its test). */
export const CHILD_KILL_MS = 25_000;
/**
 * How long a child may take to exit after its last step. The behaviour bounded here is "exits on
 * its own, within a few seconds"; the margin covers a loaded machine, not a tight deadline.
 */
const EXIT_AFTER_LAST_STEP_MS = 10_000;

/** One JSON line the child printed. */
export interface Step {
  step: string;
  at: number;
  [k: string]: unknown;
}

/** How a child ran and ended. */
export interface ChildRun {
  steps: Step[];
  code: number | null;
  killed: boolean;
  /** ms from spawn to exit, as seen by the parent. */
  lifetime: number;
  /** ms from the child's last printed step to its exit (child clock offset by its start). */
  exitAfterLastStep: number;
  stderr: string;
}

/**
 * Runs lifecycle-child.ts; `onReady` runs when the child printed READY, before it goes on.
 * `preload` are modules the child requires before anything else (see ioredis5-alias.ts).
 */
export function runChild(config: ChildConfig, onReady?: () => void, preload: readonly string[] = []): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const args = ['-r', 'ts-node/register/transpile-only', ...preload.flatMap((m) => ['-r', m]), join(__dirname, 'lifecycle-child.ts')];
    const child = spawn(process.execPath, args, {
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

/** The names of the steps, in order. */
export function stepNames(run: ChildRun): string[] {
  return run.steps.map((s) => s.step);
}

/** The whole run, for assertion messages. */
export function describeRun(run: ChildRun): string {
  return JSON.stringify({ steps: run.steps, code: run.code, killed: run.killed, lifetime: run.lifetime, stderr: run.stderr.slice(-1500) });
}

/** Figures for the report: printed with `SHERLOCK_LIFECYCLE_REPORT=1`. */
export function report(title: string, run: ChildRun): void {
  if (process.env.SHERLOCK_LIFECYCLE_REPORT) {
     
    console.log(`      [${title}] lifetime ${run.lifetime} ms, exit ${run.exitAfterLastStep} ms after last step: ${stepNames(run).join(' > ')}`);
  }
}

/** The child ran `expectedSteps`, then exited with 0 on its own, soon after its last step. */
export function expectCleanExit(run: ChildRun, expectedSteps: string[]): void {
  expect(run.killed, `the child did not exit on its own: ${describeRun(run)}`).to.equal(false);
  expect(run.code, describeRun(run)).to.equal(0);
  expect(stepNames(run), describeRun(run)).to.deep.equal(expectedSteps);
  expect(run.exitAfterLastStep, describeRun(run)).to.be.below(EXIT_AFTER_LAST_STEP_MS);
}

