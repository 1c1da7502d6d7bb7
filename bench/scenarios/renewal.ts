/**
 * Scenario 3: hold many locks with automatic renewal and count what reaches the server while
 * nothing else happens: commands processed (INFO) and requests sent (socket writes; a
 * pipeline is one). Shows whether renewals are batched. The window spans whole renewal
 * periods of the peer, so that every lock is renewed the same number of times in it. A first
 * round may also count NOSCRIPT fallbacks (the scripts are not cached yet); the median over
 * rounds leaves that out.
 */
import { performance } from 'node:perf_hooks';
import { closeAll, commandCounters, connect, countWrites, sleep } from '../clients';
import type { RenewingPeer } from '../peers/peer';
import { median } from '../stats';

/** Settings of the renewal scenario. */
export interface RenewalSettings {
  readonly rounds: number;
  readonly locks: number;
  readonly expireMs: number;
  /** Minimum measured window; stretched to a whole number of the peer's renewal periods. */
  readonly minWindowMs: number;
  /** Pause between acquiring the last lock and opening the window. */
  readonly settleMs: number;
}

/** One peer in one round, as rates over the window. */
export interface RenewalRun {
  readonly windowMs: number;
  readonly commandsPerSecond: number;
  readonly evalshaPerSecond: number;
  readonly requestsPerSecond: number;
  readonly lost: number;
}

/** Runs every peer `rounds` times (rotated order); each run uses fresh keys. */
export async function runRenewal(url: string, peers: readonly RenewingPeer[], settings: RenewalSettings): Promise<Map<string, RenewalRun[]>> {
  const runs = new Map<string, RenewalRun[]>(peers.map((p) => [p.id, []]));
  for (let round = 0; round < settings.rounds; round++) {
    for (let k = 0; k < peers.length; k++) {
      const peer = peers[(round + k) % peers.length]!;
      runs.get(peer.id)!.push(await runOnce(url, peer, round, settings));
    }
  }
  return runs;
}

async function runOnce(url: string, peer: RenewingPeer, round: number, settings: RenewalSettings): Promise<RenewalRun> {
  const [client, observer] = await Promise.all([connect(url), connect(url)]);
  try {
    const period = peer.renewPeriodMs(settings.expireMs);
    const windowMs = period * Math.ceil(settings.minWindowMs / period);
    const keys = Array.from({ length: settings.locks }, (_, i) => `bench-renew-${peer.id}-${round}-${i}`);
    const releaseAll = await peer.holdAll(client, keys, settings.expireMs);
    const sent = countWrites(client);
    await sleep(settings.settleMs);

    const before = await commandCounters(observer);
    const writesBefore = sent.writes;
    const start = performance.now();
    await sleep(windowMs);
    const after = await commandCounters(observer);
    const elapsed = performance.now() - start;
    const writes = sent.writes - writesBefore;

    const lost = await releaseAll();
    const perSecond = (n: number): number => (n / elapsed) * 1000;
    const evalsha = (after.calls.get('evalsha') ?? 0) - (before.calls.get('evalsha') ?? 0);
    return {
      windowMs: elapsed,
      // The first INFO is itself counted in the window.
      commandsPerSecond: perSecond(after.total - before.total - 1),
      evalshaPerSecond: perSecond(evalsha),
      requestsPerSecond: perSecond(writes),
      lost,
    };
  } finally {
    await closeAll([client, observer]);
  }
}

/** Medians over rounds. */
export interface RenewalSummary {
  readonly commandsPerSecond: number;
  readonly evalshaPerSecond: number;
  readonly requestsPerSecond: number;
  readonly commandsPerRequest: number;
  readonly lost: number;
}

/** Summarizes the runs of one peer. */
export function summarizeRenewal(runs: readonly RenewalRun[]): RenewalSummary {
  return {
    commandsPerSecond: median(runs.map((r) => r.commandsPerSecond)),
    evalshaPerSecond: median(runs.map((r) => r.evalshaPerSecond)),
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    commandsPerRequest: median(runs.map((r) => (r.requestsPerSecond > 0 ? r.commandsPerSecond / r.requestsPerSecond : NaN))),
    lost: runs.reduce((n, r) => n + r.lost, 0),
  };
}
