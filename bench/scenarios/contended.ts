/**
 * Contended: `workers` contenders (one connection each, as separate processes would have)
 * fight for one lock; each holds it `holdMs` and releases. Per grant it records the handoff
 * (the previous holder's release call → this grant), the wait (ask → grant), who got it, and
 * whether it went straight back to the releaser while others waited. Two ways to ask again:
 *
 * - `greedy` (immediate re-acquire): the releaser asks again at once. It races the waiters
 *   with a head start; a library whose waiters sleep between polls mostly hands the lock back
 *   to the same contender: high throughput, paid by the waiters. Hence the per-worker counts,
 *   Jain's fairness index and the self-regrant share reported with it.
 * - `to-waiter` (handoff): the releaser asks again only once another contender got the lock,
 *   so every grant goes to a contender that was already waiting: the handoff is purely how
 *   fast a waiter notices the release (polling vs. release notification).
 */
import { performance } from 'node:perf_hooks';
import { sleep } from '../clients';
import type { ResultRow } from '../model/results';
import type { Connector, Peer } from '../peers/peer';
import { jainIndex, median, p95, ratio, spread } from '../stats';

/** Settings of the contended scenarios. */
export interface ContendedSettings {
  readonly mode: 'greedy' | 'to-waiter';
  readonly rounds: number;
  readonly workers: number;
  readonly holdMs: number;
  readonly durationMs: number;
}

/** One peer in one round. */
interface ContendedRun {
  /** Release call → next grant, every grant but the first, in ms. */
  readonly handoffMs: number[];
  /** Ask → grant in ms; an acquire that gave up or was still waiting at the end counts with the time it waited. */
  readonly waitMs: number[];
  readonly grantsPerWorker: number[];
  /** Grants to the previous holder while at least one other contender was asking. */
  readonly selfRegrants: number;
  readonly gaveUp: number;
  /** Grants while another contender held the lock (must be 0). */
  readonly overlaps: number;
  readonly cpuUs: number;
  readonly durationMs: number;
}

/**
 * Runs every peer `rounds` times, peers in rotated blocks, on `workers` fresh connections per
 * peer. `peers[0]` is the baseline. The ratio (higher is better) is, per round, the baseline's
 * median handoff over the peer's in `to-waiter` mode, and the peer's grants/s over the
 * baseline's in `greedy` mode (where a handoff to oneself is fast and says little).
 */
export async function runContended<C>(connector: Connector<C>, peers: ReadonlyArray<Peer<C>>, settings: ContendedSettings): Promise<ResultRow[]> {
  const runs = peers.map(() => [] as ContendedRun[]);
  const clients = await Promise.all(peers.map(() => Promise.all(Array.from({ length: settings.workers }, () => connector.open()))));
  try {
    for (let round = 0; round < settings.rounds; round++) {
      for (let k = 0; k < peers.length; k++) {
        const i = (round + k) % peers.length;
        runs[i]!.push(await runOnce(peers[i]!, clients[i]!, `bench-${settings.mode}-${peers[i]!.id}-${round}`, settings));
      }
    }
  } finally {
    await Promise.all(clients.map((c) => connector.close(c)));
  }
  return peers.map((peer, i) => toRow(peer, runs[i]!, runs[0]!, settings.mode));
}

function grants(r: ContendedRun): number {
  return r.grantsPerWorker.reduce((a, b) => a + b, 0);
}

function toRow<C>(peer: Peer<C>, runs: readonly ContendedRun[], baseline: readonly ContendedRun[], mode: ContendedSettings['mode']): ResultRow {
  const over = (f: (r: ContendedRun) => number) => spread(runs.map(f));
  const ratioOf = (r: ContendedRun, base: ContendedRun): number =>
    mode === 'greedy' ? ratio(grants(r), grants(base)) : ratio(median(base.handoffMs), median(r.handoffMs));
  return {
    id: peer.id,
    name: peer.name,
    ratio: spread(runs.map((r, round) => ratioOf(r, baseline[round]!))),
    metrics: {
      handoffMedianMs: over((r) => median(r.handoffMs)),
      handoffP95Ms: over((r) => p95(r.handoffMs)),
      waitMedianMs: over((r) => median(r.waitMs)),
      waitMaxMs: over((r) => r.waitMs.reduce((m, w) => Math.max(m, w), 0)),
      grantsPerSecond: over((r) => (grants(r) / r.durationMs) * 1000),
      cpuMsPerGrant: over((r) => r.cpuUs / 1000 / Math.max(grants(r), 1)),
      jainFairness: over((r) => jainIndex(r.grantsPerWorker)),
      selfRegrantShare: over((r) => (grants(r) > 0 ? r.selfRegrants / grants(r) : NaN)),
    },
    counts: {
      grantsPerWorker: runs[0]!.grantsPerWorker.map((_, w) => runs.reduce((n, r) => n + r.grantsPerWorker[w]!, 0)),
      gaveUp: runs.reduce((n, r) => n + r.gaveUp, 0),
      overlaps: runs.reduce((n, r) => n + r.overlaps, 0),
    },
  };
}

async function runOnce<C>(peer: Peer<C>, clients: readonly C[], key: string, settings: ContendedSettings): Promise<ContendedRun> {
  const contenders = clients.map((client) => peer.contender(client, key));
  const stop = new AbortController();
  const handoffMs: number[] = [];
  const waitMs: number[] = [];
  const grantsPerWorker = clients.map(() => 0);
  const asking = new Set<number>();
  let selfRegrants = 0;
  let gaveUp = 0;
  let overlaps = 0;
  let holders = 0;
  let lastHolder = -1;
  let releasedAt: number | undefined;
  // Resolvers of contenders waiting for the next grant (to-waiter mode).
  let onNextGrant: Array<() => void> = [];
  const nextGrant = (): Promise<void> =>
    new Promise((resolve) => {
      if (stop.signal.aborted) resolve();
      else onNextGrant.push(resolve);
    });
  stop.signal.addEventListener('abort', () => {
    for (const wake of onNextGrant) wake();
    onNextGrant = [];
  });

  const cpu = process.cpuUsage();
  const start = performance.now();
  const deadline = start + settings.durationMs;
  const timer = setTimeout(() => stop.abort(), settings.durationMs);

  const worker = async (me: number): Promise<void> => {
    const lock = contenders[me]!;
    while (!stop.signal.aborted) {
      const askedAt = performance.now();
      asking.add(me);
      const granted = await lock.acquire(stop.signal);
      asking.delete(me);
      const now = performance.now();
      if (!granted || now > deadline) waitMs.push(Math.max(0, Math.min(now, deadline) - askedAt));
      if (!granted) {
        if (!stop.signal.aborted) gaveUp++;
        continue;
      }
      holders++;
      if (holders > 1) overlaps++;
      for (const wake of onNextGrant) wake();
      onNextGrant = [];
      if (now <= deadline) {
        grantsPerWorker[me]!++;
        waitMs.push(now - askedAt);
        if (lastHolder === me && asking.size > 0) selfRegrants++;
        if (releasedAt !== undefined) handoffMs.push(now - releasedAt);
      }
      lastHolder = me;
      releasedAt = undefined;
      await sleep(settings.holdMs);
      // Counted as free from the moment the release is sent: no grant can be answered before it.
      holders--;
      // Registered before the release is sent: the next grant can be answered before the release is.
      const turnPassed = settings.mode === 'to-waiter' ? nextGrant() : undefined;
      releasedAt = performance.now();
      await lock.release();
      await turnPassed;
    }
  };

  await Promise.all(contenders.map((_, me) => worker(me)));
  clearTimeout(timer);
  const used = process.cpuUsage(cpu);
  await Promise.all(contenders.map((c) => c.dispose?.()));
  return { handoffMs, waitMs, grantsPerWorker, selfRegrants, gaveUp, overlaps, cpuUs: used.user + used.system, durationMs: settings.durationMs };
}
