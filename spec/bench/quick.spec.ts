/**
 * `npm run bench -- --quick` proves the benchmark harness works: it starts its own servers,
 * runs every scenario briefly, exits on its own, and writes the JSON, Markdown and SVG reports
 * with every scenario present and every figure a finite number. No figure is judged: speed
 * is for the full bench run, never for a test (the timeout only stops a run that hangs).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIO_KEYS, type BenchResults, type ScenarioResult } from '../../bench/model/results';
import type { Spread } from '../../bench/stats';
import { etcdAvailable } from '../support/servers/etcd';
import { memcachedAvailable } from '../support/servers/memcached';
import { redisAvailable } from '../support/servers/redis';

/** Kills a run that hangs; a quick run takes about a minute on a busy 2-core machine. */
const HANG_MS = 6 * 60_000;

function runQuickBench(outDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      ['run', 'bench', '--', '--quick', '--out', outDir],
      { timeout: HANG_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`npm run bench -- --quick failed (${err.message}):\n${stdout}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

function expectFiniteSpread(s: Spread | undefined, where: string): void {
  expect(s, where).to.be.an('object');
  for (const k of ['median', 'min', 'max'] as const) expect(Number.isFinite(s![k]), `${where}.${k} = ${String(s![k])}`).to.equal(true);
  expect(s!.min, where).to.be.at.most(s!.median);
  expect(s!.median, where).to.be.at.most(s!.max);
}

function checkScenario(s: ScenarioResult): void {
  expect(s.skipped, `${s.key} skipped`).to.equal(undefined);
  expect(s.rows.length, `${s.key} rows`).to.be.at.least(1);
  for (const row of s.rows) {
    const where = `${s.key} ${row.id}`;
    for (const column of s.columns) expectFiniteSpread(row.metrics[column.key], `${where} ${column.key}`);
    if (s.baseline !== undefined) expectFiniteSpread(row.ratio, `${where} ratio`);
    if (row.id === s.baseline) expect(row.ratio!.median, `${where} is its own baseline`).to.equal(1);
  }
  if (s.baseline !== undefined) expect(s.rows.map((r) => r.id), `${s.key} has its baseline row`).to.include(s.baseline);
}

describe('npm run bench -- --quick @integration', function () {
  this.timeout(HANG_MS + 30_000);
  let outDir: string;
  let stdout: string;
  let results: BenchResults;

  before(async function () {
    if (!redisAvailable() || !memcachedAvailable() || !etcdAvailable()) this.skip();
    outDir = mkdtempSync(join(tmpdir(), 'sherlock-rx-bench-spec-'));
    stdout = await runQuickBench(outDir);
    results = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8')) as BenchResults;
  });

  after(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('writes every scenario, in order, none skipped', () => {
    expect(results.quick).to.equal(true);
    expect(results.scenarios.map((s) => s.key)).to.deep.equal([...SCENARIO_KEYS]);
    for (const s of results.scenarios) expect(s.skipped, `${s.key}: ${String(s.skipped)}`).to.equal(undefined);
  });

  it('gives every row of every scenario finite figures and ratios, baselines at 1x', () => {
    for (const s of results.scenarios) checkScenario(s);
  });

  it('counts grants per contender and sees no two holders at once in the contended scenarios', () => {
    const contended = results.scenarios.filter((s) => /\.(handoff|contended)$/.test(s.key));
    expect(contended).to.have.length(6);
    for (const s of contended) {
      const workers = (s.settings as { workers: number }).workers;
      for (const row of s.rows) {
        const perWorker = row.counts?.grantsPerWorker as number[];
        expect(perWorker, `${s.key} ${row.id}`).to.have.length(workers);
        expect(perWorker.reduce((a, b) => a + b, 0), `${s.key} ${row.id} grants`).to.be.above(0);
        expect(row.counts?.overlaps, `${s.key} ${row.id} overlaps`).to.equal(0);
        const jain = row.metrics.jainFairness!.median;
        expect(jain, `${s.key} ${row.id} Jain index`).to.be.within(1 / workers, 1);
        expect(row.metrics.selfRegrantShare!.median, `${s.key} ${row.id} self-regrant share`).to.be.within(0, 1);
      }
    }
  });

  // Whether a renewal is late enough to lose a lock depends on the machine's load: counted, not judged.
  it('counts the locks lost while held with renewal', () => {
    for (const s of results.scenarios.filter((x) => x.key.endsWith('.renewal'))) {
      for (const row of s.rows) {
        const lost = row.counts?.lost as number;
        expect(Number.isInteger(lost) && lost >= 0, `${s.key} ${row.id} lost = ${String(lost)}`).to.equal(true);
      }
    }
  });

  it('records the machine, the server versions and the command', () => {
    expect(results.command).to.equal('npm run bench -- --quick');
    expect(results.machine.cpus).to.be.above(0);
    expect(results.machine.node).to.equal(process.version);
    expect(Object.keys(results.machine.servers).sort()).to.deep.equal(['etcd', 'memcached', 'redis']);
    expect(Number.isNaN(Date.parse(results.generatedAt))).to.equal(false);
  });

  it('writes a Markdown table per scenario and prints each to stdout', () => {
    const md = readFileSync(join(outDir, 'latest.md'), 'utf8');
    for (const s of results.scenarios) {
      expect(md, s.key).to.include(`## ${s.title}`);
      expect(stdout, s.key).to.include(s.title);
    }
  });

  it('writes an SVG chart with a bar per non-baseline row, the date, the machine and the command', () => {
    const svg = readFileSync(join(outDir, 'ratios.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).to.equal(true);
    expect(svg.trimEnd().endsWith('</svg>')).to.equal(true);
    expect(svg).to.include('npm run bench -- --quick');
    expect(svg).to.include(results.generatedAt.slice(0, 10));
    expect(svg).to.include(`Node ${process.version}`);
    const bars = results.scenarios.filter((s) => s.baseline !== undefined).reduce((n, s) => n + s.rows.length - 1, 0);
    expect(svg.match(/<rect [^>]*fill="#(2b6cb0|a0aec0)"/g) ?? []).to.have.length(bars);
  });
});
