/**
 * Renewal of many held locks: hold `locks` free locks with automatic renewal and measure, while
 * nothing else happens, what holding them costs: the process's CPU share, its heap per lock,
 * and the requests the server receives per second. The window spans whole renewal periods of
 * the peer, so every lock is renewed the same number of times in it.
 *
 * Heap per lock is the heap growth from before the acquires to after them, each read after a
 * full GC (`--expose-gc`, which `npm run bench` passes; without it the figure is NaN).
 */
import { performance } from 'node:perf_hooks';
import { sleep } from '../clients';
import type { ResultRow } from '../model/results';
import type { Connector, RenewingPeer } from '../peers/peer';
import { spread } from '../stats';

/** Settings of the renewal scenario. */
export interface RenewalSettings {
  readonly rounds: number;
  readonly locks: number;
  readonly expireMs: number;
  /** Minimum measured window, in ms; stretched to a whole number of the peer's renewal periods. */
  readonly minWindowMs: number;
  /** Pause between acquiring the last lock and opening the window, in ms. */
  readonly settleMs: number;
}

/** Reads the server's running counters (e.g. `requests`); each is reported as a rate over the window. */
export type ServerCounters = () => Promise<Readonly<Record<string, number>>>;

interface RenewalRun {
  readonly cpuPercent: number;
  readonly heapBytesPerLock: number;
  readonly perSecond: Readonly<Record<string, number>>;
  readonly lost: number;
}

/** Runs every peer `rounds` times in rotated blocks, each run on a fresh client and fresh keys. */
export async function runRenewal<C>(
  connector: Connector<C>,
  peers: ReadonlyArray<RenewingPeer<C>>,
  settings: RenewalSettings,
  counters: ServerCounters,
): Promise<ResultRow[]> {
  const runs = peers.map(() => [] as RenewalRun[]);
  for (let round = 0; round < settings.rounds; round++) {
    for (let k = 0; k < peers.length; k++) {
      const i = (round + k) % peers.length;
      runs[i]!.push(await runOnce(connector, peers[i]!, round, settings, counters));
    }
  }
  return peers.map((peer, i) => {
    const rates = Object.keys(runs[i]![0]!.perSecond);
    return {
      id: peer.id,
      name: peer.name,
      metrics: {
        renewPeriodMs: spread([peer.renewPeriodMs(settings.expireMs)]),
        cpuPercent: spread(runs[i]!.map((r) => r.cpuPercent)),
        heapBytesPerLock: spread(runs[i]!.map((r) => r.heapBytesPerLock)),
        ...Object.fromEntries(rates.map((name) => [`${name}PerSecond`, spread(runs[i]!.map((r) => r.perSecond[name]!))])),
      },
      counts: { lost: runs[i]!.reduce((n, r) => n + r.lost, 0) },
    };
  });
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  gc();
  return process.memoryUsage().heapUsed;
}

async function runOnce<C>(connector: Connector<C>, peer: RenewingPeer<C>, round: number, settings: RenewalSettings, counters: ServerCounters): Promise<RenewalRun> {
  const client = await connector.open();
  try {
    const period = peer.renewPeriodMs(settings.expireMs);
    const windowMs = period * Math.ceil(settings.minWindowMs / period);
    const keys = Array.from({ length: settings.locks }, (_, i) => `bench-renew-${peer.id}-${round}-${i}`);
    const heapBefore = heapAfterGc();
    const releaseAll = await peer.holdAll(client, keys, settings.expireMs);
    await sleep(settings.settleMs);
    const heapHeld = heapAfterGc();

    const before = await counters();
    const cpu = process.cpuUsage();
    const start = performance.now();
    await sleep(windowMs);
    const used = process.cpuUsage(cpu);
    const elapsed = performance.now() - start;
    const after = await counters();

    const lost = await releaseAll();
    const perSecond = Object.fromEntries(Object.keys(after).map((name) => [name, ((after[name]! - (before[name] ?? 0)) / elapsed) * 1000]));
    return {
      cpuPercent: ((used.user + used.system) / 1000 / elapsed) * 100,
      heapBytesPerLock: (heapHeld - heapBefore) / settings.locks,
      perSecond,
      lost,
    };
  } finally {
    await connector.close([client]);
  }
}
