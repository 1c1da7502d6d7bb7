/**
 * `npm run bench`: starts its own redis-server on a free loopback port, runs the Redis
 * scenarios (1: uncontended cycles, 2: handoff under contention, 3: renewal of many locks),
 * then the optional etcd part (4), prints the tables, writes the medians to
 * bench/results/latest.json, and stops the servers. `npm run bench -- --quick` runs each
 * scenario briefly (a smoke test: it writes nothing). REDIS_URL / ETCD_URL use existing
 * servers instead (their other traffic would then count in scenario 3).
 *
 * Every figure is a median over rounds, and every comparison a ratio to a baseline measured in
 * the same round: absolute rates depend on the machine, ratios much less.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { closeDefaultClients } from '../lib/index';
import { redisAvailable, startRedis } from '../spec/support/servers/redis';
import { closeAll, connect, parseInfo, redisConnector } from './clients';
import type { Peer } from './peers/peer';
import { rawPeer } from './peers/raw';
import { redisSemaphorePeer, redisSemaphoreRenewingPeer } from './peers/redis-semaphore';
import { redlockPeer } from './peers/redlock';
import { sherlockObservablePeer, sherlockPeer, sherlockRenewingPeer } from './peers/sherlock-rx';
import { runEtcdPart } from './etcd';
import { fmt, printTable, times } from './report';
import { handoffRatio, runHandoff, summarizeHandoff, type HandoffSettings, type HandoffSummary } from './scenarios/handoff';
import { runRenewal, summarizeRenewal, type RenewalSettings } from './scenarios/renewal';
import { runUncontended, summarizeUncontended, type UncontendedSettings } from './scenarios/uncontended';
import { round } from './stats';

const QUICK = process.argv.includes('--quick');

const UNCONTENDED: UncontendedSettings = QUICK
  ? { rounds: 3, durationMs: 100, warmupMs: 100 }
  : { rounds: 30, durationMs: 150, warmupMs: 400 };
const HANDOFF_TO_WAITER: HandoffSettings = QUICK
  ? { mode: 'to-waiter', rounds: 1, workers: 8, holdMs: 1, durationMs: 1_000 }
  : { mode: 'to-waiter', rounds: 3, workers: 8, holdMs: 1, durationMs: 3_000 };
const HANDOFF_GREEDY: HandoffSettings = { ...HANDOFF_TO_WAITER, mode: 'greedy', durationMs: QUICK ? 1_000 : 1_500 };
const RENEWAL: RenewalSettings = QUICK
  ? { rounds: 1, locks: 2_000, expireMs: 3_000, minWindowMs: 3_000, settleMs: 300 }
  : { rounds: 3, locks: 2_000, expireMs: 3_000, minWindowMs: 4_800, settleMs: 300 };

const ETCD_CYCLES: UncontendedSettings = QUICK
  ? { rounds: 2, durationMs: 150, warmupMs: 100 }
  : { rounds: 10, durationMs: 250, warmupMs: 300 };

/** Ends a hung run instead of leaving it: every loop here is bounded, so this should never fire. */
const WATCHDOG_MS = 6 * 60_000;

async function main(): Promise<void> {
  if (!redisAvailable()) throw new Error('npm run bench needs redis-server on the PATH (Debian: apt-get install redis-server) or REDIS_URL.');
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${WATCHDOG_MS / 1000} s, giving up`);
    process.exit(2);
  }, WATCHDOG_MS);
  watchdog.unref();

  const server = await startRedis();
  try {
    const url = server.url;
    const redisVersion = await serverVersion(url);
    console.log(`sherlock-rx bench${QUICK ? ' (--quick: smoke test, do not quote)' : ''}: redis ${redisVersion} on loopback, ` +
      `node ${process.version}, ${cpus().length} CPU(s). Medians over rounds; ratios to a baseline of the same round.`);
    const handoffPeers = [rawPeer({ spin: true }), sherlockPeer, redlockPeer(), redisSemaphorePeer];
    const results = {
      note: 'Produced by `npm run bench`. Medians over rounds; ratios are to a baseline measured in the same round. Compare ratios, not absolute rates, across machines.',
      generatedAt: new Date().toISOString(),
      environment: { node: process.version, cpus: cpus().length, redis: redisVersion },
      uncontended: await cyclesSection(url),
      handoffToWaiter: await handoffSection(url, handoffPeers, HANDOFF_TO_WAITER, '2a'),
      handoffGreedy: await handoffSection(url, handoffPeers, HANDOFF_GREEDY, '2b'),
      renewal: await renewalSection(url),
      etcdUncontended: await etcdSection(),
    };
    if (!QUICK) {
      const dir = join(__dirname, 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
      console.log(`\nwrote ${join('bench', 'results', 'latest.json')}`);
    }
  } finally {
    await closeDefaultClients();
    await server.close();
  }
}

/** Scenario 1, printed; returns its JSON part. */
async function cyclesSection(url: string): Promise<object> {
  const peers = [rawPeer({ spin: false }), sherlockPeer, sherlockObservablePeer, redlockPeer({ retryCount: 0 }), redisSemaphorePeer];
  const cycles = summarizeUncontended(await runUncontended(redisConnector(url), peers, UNCONTENDED));
  printTable(
    `1. Uncontended acquire + release, sequential, one lock (${UNCONTENDED.rounds} rounds x ${UNCONTENDED.durationMs} ms)`,
    ['library', 'cycles/s', 'vs raw'],
    cycles.map((c) => [c.name, fmt(c.cyclesPerSecond, 0), times(c.ratioToBaseline)]),
    ['raw = SET NX PX, then EVALSHA compare-and-delete: 2 round trips, no library around it.'],
  );
  return { settings: UNCONTENDED, baseline: peers[0]!.id, peers: cycles.map(cyclesJson) };
}

type HandoffRow = { id: string; name: string; handoffVsSherlock: number } & HandoffSummary;

/** Scenario 2 in one mode, printed; returns its JSON part. sherlock-rx is the reference of the ratios. */
async function handoffSection(url: string, peers: readonly Peer[], settings: HandoffSettings, label: string): Promise<object> {
  const runs = await runHandoff(url, peers, settings);
  const reference = runs.get(sherlockPeer.id)!;
  const rows = peers.map((p) => ({ id: p.id, name: p.name, ...summarizeHandoff(runs.get(p.id)!), handoffVsSherlock: handoffRatio(runs.get(p.id)!, reference) }));
  const greedy = settings.mode === 'greedy';
  const title = greedy
    ? `${label}. Handoff, greedy: ${settings.workers} contenders, hold ${settings.holdMs} ms, the releaser asks again at once`
    : `${label}. Handoff to a waiting contender: ${settings.workers} contenders, hold ${settings.holdMs} ms, the releaser asks again once another got it`;
  printTable(
    `${title}; default retry settings (${settings.rounds} rounds x ${settings.durationMs} ms)`,
    ['library', 'handoff p50 ms', 'p95 ms', 'p50 vs sherlock-rx', ...(greedy ? ['to another contender'] : []), 'wait p50 ms', 'wait p95 ms', 'longest wait ms', 'grants/s', 'gave up'],
    rows.map((h) => [
      h.name,
      fmt(h.handoffMedianMs),
      fmt(h.handoffP95Ms),
      times(h.handoffVsSherlock),
      ...(greedy ? [`${fmt(h.handedToOtherShare * 100, 0)}%`] : []),
      fmt(h.waitMedianMs),
      fmt(h.waitP95Ms),
      fmt(h.waitMaxMs, 0),
      fmt(h.grantsPerSecond, 0),
      String(h.gaveUp),
    ]),
    [
      'handoff = the holder calls release -> the next grant. wait = a contender asks -> it is granted (gave up / unfinished: the time it waited).',
      ...(greedy ? ['to another contender = share of grants not going straight back to the releaser.'] : []),
      'gave up = acquires the library abandoned (its timeout or retry limit), summed over rounds.',
    ],
  );
  const overlaps = rows.reduce((n, h) => n + h.overlaps, 0);
  if (overlaps > 0) console.log(`  !!! ${overlaps} grant(s) while another contender held the lock`);
  return { settings, reference: sherlockPeer.id, peers: rows.map(handoffJson) };
}

function handoffJson(h: HandoffRow): object {
  return {
    id: h.id,
    name: h.name,
    handoffMedianMs: round(h.handoffMedianMs, 3),
    handoffP95Ms: round(h.handoffP95Ms, 3),
    handoffMedianRatioToSherlockRx: round(h.handoffVsSherlock),
    handedToOtherShare: round(h.handedToOtherShare, 3),
    waitMedianMs: round(h.waitMedianMs, 3),
    waitP95Ms: round(h.waitP95Ms, 3),
    waitMaxMs: round(h.waitMaxMs, 0),
    grantsPerSecond: round(h.grantsPerSecond, 0),
    gaveUp: h.gaveUp,
    overlaps: h.overlaps,
  };
}

/** Scenario 3, printed; returns its JSON part. The first peer is the baseline. */
async function renewalSection(url: string): Promise<object> {
  const peers = [redisSemaphoreRenewingPeer, sherlockRenewingPeer];
  const runs = await runRenewal(url, peers, RENEWAL);
  const rows = peers.map((p) => ({ id: p.id, name: p.name, renewPeriodMs: p.renewPeriodMs(RENEWAL.expireMs), ...summarizeRenewal(runs.get(p.id)!) }));
  const baseline = rows[0]!;
  printTable(
    `3. ${RENEWAL.locks} locks held with renewal, expire ${RENEWAL.expireMs} ms (${RENEWAL.rounds} rounds, window >= ${RENEWAL.minWindowMs} ms)`,
    ['library', 'renews every ms', 'renewals/s', 'commands/s', 'requests/s', 'renewals/request', 'requests vs redis-semaphore', 'commands vs redis-semaphore', 'lost'],
    rows.map((r) => [
      r.name,
      fmt(r.renewPeriodMs, 0),
      fmt(r.evalshaPerSecond, 0),
      fmt(r.commandsPerSecond, 0),
      fmt(r.requestsPerSecond, 1),
      fmt(r.evalshaPerSecond / r.requestsPerSecond, 0),
      times(r.requestsPerSecond / baseline.requestsPerSecond),
      times(r.commandsPerSecond / baseline.commandsPerSecond),
      String(r.lost),
    ]),
    [
      'renewals/s: EVALSHA calls (INFO commandstats); commands/s: total_commands_processed, which also counts the GET and PEXPIRE inside each script;',
      "requests/s: socket writes of the holding client (a pipeline is one write). The renewal period is each library's default for this expire.",
    ],
  );
  return {
    settings: RENEWAL,
    baseline: baseline.id,
    peers: rows.map((r) => ({
      id: r.id,
      name: r.name,
      renewPeriodMs: round(r.renewPeriodMs, 0),
      renewalsPerSecond: round(r.evalshaPerSecond, 0),
      commandsPerSecond: round(r.commandsPerSecond, 0),
      requestsPerSecond: round(r.requestsPerSecond, 1),
      renewalsPerRequest: round(r.evalshaPerSecond / r.requestsPerSecond, 0),
      requestsRatioToBaseline: round(r.requestsPerSecond / baseline.requestsPerSecond, 4),
      commandsRatioToBaseline: round(r.commandsPerSecond / baseline.commandsPerSecond),
      lost: r.lost,
    })),
  };
}

/** Part 4 (etcd), printed or reported as skipped; returns its JSON part. */
async function etcdSection(): Promise<object> {
  const etcd = await runEtcdPart(ETCD_CYCLES);
  if (etcd.skipped !== undefined) {
    console.log(`\n4. etcd: skipped (${etcd.skipped})`);
    return { skipped: etcd.skipped };
  }
  printTable(
    `4. etcd: uncontended acquire + release, sequential, one lock (${ETCD_CYCLES.rounds} rounds x ${ETCD_CYCLES.durationMs} ms)`,
    ['library', 'cycles/s', 'vs raw'],
    etcd.cycles.map((c) => [c.name, fmt(c.cyclesPerSecond, 0), times(c.ratioToBaseline)]),
    ['raw = txn "create if absent" on a lease granted once, then txn "delete if mine": 2 round trips. etcd data dir on tmpfs (no disk sync).'],
  );
  return { settings: ETCD_CYCLES, baseline: etcd.cycles[0]!.id, peers: etcd.cycles.map(cyclesJson) };
}

function cyclesJson(c: { id: string; name: string; cyclesPerSecond: number; ratioToBaseline: number }): object {
  return { id: c.id, name: c.name, cyclesPerSecond: round(c.cyclesPerSecond, 0), ratioToBaseline: round(c.ratioToBaseline) };
}

async function serverVersion(url: string): Promise<string> {
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
