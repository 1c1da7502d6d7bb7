/**
 * `npm run bench`: starts its own redis-server, memcached and etcd on free loopback ports
 * (a backend whose server is not installed is reported as skipped), runs every scenario with
 * the libraries side by side in rotated blocks, prints the tables, and writes
 * `bench/results/latest.json`, `latest.md` and `ratios.svg`.
 *
 * `npm run bench -- --quick` runs each scenario briefly, only to prove the harness works (CI);
 * it writes to `--out <dir>` (default: a temporary directory), never over the full results.
 *
 * Every figure is a median over rounds with its min–max, and every comparison a ratio to a
 * baseline measured in the same block: absolute rates depend on the machine, ratios much less.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { closeDefaultClients } from '../lib/index';
import { startEtcd } from '../spec/support/servers/etcd';
import { startMemcached } from '../spec/support/servers/memcached';
import { hasBinary } from '../spec/support/servers/process';
import { startRedis } from '../spec/support/servers/redis';
import { runEtcdPart } from './backends/etcd';
import { memcachedVersion, runMemcachedPart } from './backends/memcached';
import { runMemoryPart } from './backends/memory';
import { runRedisPart } from './backends/redis';
import { closeAll, connect, parseInfo } from './clients';
import { etcdVersion } from './connectors';
import { SCENARIO_KEYS, type BenchResults, type ScenarioResult } from './model/results';
import { renderMarkdown } from './report/markdown';
import { renderRatiosSvg } from './report/svg';
import { printScenario } from './report/text';
import { FULL, QUICK, type BenchSettings } from './settings';

const quick = process.argv.includes('--quick');
const outArg = process.argv.indexOf('--out');
const settings: BenchSettings = quick ? QUICK : FULL;

/** Ends a hung run instead of leaving it: every loop here is bounded, so this should never fire. */
const WATCHDOG_MS = (quick ? 5 : 15) * 60_000;

/** A server the bench started, and how to stop it. */
interface Started<T> {
  readonly value: T;
  stop(): Promise<void>;
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${WATCHDOG_MS / 1000} s, giving up`);
    process.exit(2);
  }, WATCHDOG_MS);
  watchdog.unref();
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') console.warn('bench: run with node --expose-gc (npm run bench does) for the heap figures');

  const servers: Record<string, string> = {};
  const scenarios: ScenarioResult[] = [];
  // Printed as each scenario ends, so a long run shows its progress.
  const emit = (s: ScenarioResult): void => {
    printScenario(s);
    scenarios.push(s);
  };
  const record = (list: ScenarioResult[]): void => list.forEach(emit);
  console.log(`sherlock-rx bench${quick ? ' (--quick: smoke test, do not quote)' : ''}: node ${process.version}, ${cpus().length} CPU(s).`);

  /**
   * Runs one backend's part on its own server. A missing server skips the part; a part that
   * throws is reported (its remaining scenarios marked failed, the exit status 1) and the run
   * goes on, so one broken backend does not cost the figures of the others.
   */
  const runPart = async <T>(backend: string, binary: string, start: () => Promise<Started<T>>, part: (server: T) => Promise<string | undefined>): Promise<void> => {
    const server = await startServer(binary, start).catch((err: unknown) => `${binary} did not start: ${describe(err)}`);
    if (typeof server === 'string') return record(skippedAll(backend, server, scenarios));
    try {
      const skipped = await part(server.value);
      if (skipped !== undefined) record(skippedAll(backend, skipped, scenarios));
    } catch (err) {
      console.error(`\nbench: the ${backend} part failed:`, err);
      process.exitCode = 1;
      record(skippedAll(backend, `failed: ${describe(err)}`, scenarios));
    } finally {
      await closeDefaultClients();
      await server.stop();
    }
  };

  await runPart('redis', 'redis-server', async () => {
    const s = await startRedis();
    return { value: s.url, stop: () => s.close() };
  }, async (url) => {
    servers.redis = await redisVersion(url);
    await runRedisPart(url, settings, emit);
    return undefined;
  });
  await runPart('memcached', 'memcached', async () => {
    const s = await startMemcached();
    return { value: s.address, stop: () => s.close() };
  }, async (address) => {
    servers.memcached = await memcachedVersion(address);
    await runMemcachedPart(address, settings, emit);
    return undefined;
  });
  await runPart('etcd', 'etcd', async () => {
    const s = await startEtcd();
    return { value: s.url, stop: () => s.stop() };
  }, async (url) => {
    servers.etcd = await etcdVersion(url);
    return (await runEtcdPart(url, settings, emit))?.skipped;
  });
  record(await runMemoryPart(settings));

  const results: BenchResults = {
    note: 'Produced by `npm run bench`. Medians over rounds with min–max; ratios are to a baseline measured in the same block. Compare ratios, not absolute rates, across machines.',
    generatedAt: new Date().toISOString(),
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    quick,
    durationS: Math.round((performance.now() - startedAt) / 1000),
    machine: {
      os: `${platform()} ${release()}`,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      cpus: cpus().length,
      node: process.version,
      servers,
    },
    scenarios: SCENARIO_KEYS.map((key) => scenarios.find((s) => s.key === key) ?? missing(key)),
  };
  const dir = outArg > 0 ? process.argv[outArg + 1]! : quick ? mkdtempSync(join(tmpdir(), 'sherlock-rx-bench-')) : join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, fourDigits, 2)}\n`);
  writeFileSync(join(dir, 'latest.md'), renderMarkdown(results));
  writeFileSync(join(dir, 'ratios.svg'), renderRatiosSvg(results));
  console.log(`\nwrote latest.json, latest.md and ratios.svg to ${relative(process.cwd(), dir) || '.'} in ${results.durationS} s`);
}

/** JSON replacer: fractional numbers to 4 significant digits (the noise is far above that). */
function fourDigits(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) && Number.isFinite(value) ? Number(value.toPrecision(4)) : value;
}

/** Starts a server, or returns why it cannot (not installed: the backend is skipped, not failed). */
async function startServer<T>(binary: string, start: () => Promise<Started<T>>): Promise<Started<T> | string> {
  const envVar = { 'redis-server': 'REDIS_URL', memcached: 'MEMCACHED_URL', etcd: 'ETCD_URL' }[binary];
  if (!hasBinary(binary) && !(envVar && process.env[envVar])) return `${binary} is not installed (nor ${envVar} set)`;
  return start();
}

/** A skipped entry for every scenario of `backend` not already in `done`. */
function skippedAll(backend: string, reason: string, done: readonly ScenarioResult[]): ScenarioResult[] {
  return SCENARIO_KEYS.filter((k) => k.startsWith(`${backend}.`) && !done.some((s) => s.key === k)).map((key) => ({ ...missing(key), skipped: reason }));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function missing(key: string): ScenarioResult {
  return { key, backend: key.split('.')[0] as ScenarioResult['backend'], title: key, measures: '', settings: {}, columns: [], rows: [], skipped: 'not run' };
}

async function redisVersion(url: string): Promise<string> {
  const client = await connect(url);
  try {
    return parseInfo(await client.info('server')).get('redis_version') ?? 'unknown';
  } finally {
    await closeAll([client]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
