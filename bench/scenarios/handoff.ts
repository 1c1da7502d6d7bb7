/**
 * Scenario 2: `workers` contenders (one connection each, as separate processes would have)
 * fight for one lock; each holds it `holdMs` and releases. Measured per grant: the time from
 * the previous holder's release call to this grant (the handoff), and the time this contender
 * waited for it. Two ways to ask again:
 *
 * - `greedy`: the releaser asks again at once. It then races the waiters with a head start,
 *   and a library whose waiters sleep between polls mostly hands the lock back to the same
 *   contender: fast handoffs and high throughput, paid by the waiters (starvation). Hence the
 *   share of grants that went to another contender, and the waits, reported with it.
 * - `to-waiter`: the releaser asks again only once another contender got the lock, so every
 *   grant goes to a contender that was already waiting: the handoff is purely how fast a
 *   waiting contender notices the release (polling interval vs. release notification).
 */
import { performance } from 'node:perf_hooks';
import type Redis from 'ioredis';
import { closeAll, connectMany, sleep } from '../clients';
import type { Peer } from '../peers/peer';
import { median, p95 } from '../stats';

/** Settings of the handoff scenario. */
export interface HandoffSettings {
  readonly mode: 'greedy' | 'to-waiter';
  readonly rounds: number;
  readonly workers: number;
  readonly holdMs: number;
  readonly durationMs: number;
}

/** One peer in one round. */
export interface HandoffRun {
  /** Release-call → next grant, every grant but the first, in ms. */
  readonly handoffMs: number[];
  /**
   * Ask → grant, in ms, for every acquire that ended before the end of the run; an acquire
   * that gave up, or was still waiting at the end, counts with the time it had waited.
   */
  readonly waitMs: number[];
  readonly grants: number;
  readonly handedToOther: number;
  /** Acquires that ended without the lock before the end of the run (library timeout or retry limit). */
  readonly gaveUp: number;
  /** Grants while another contender held the lock (must be 0). */
  readonly overlaps: number;
  readonly durationMs: number;
}

/** Runs the scenario for every peer, `rounds` times each, in rotated order. */
export async function runHandoff(url: string, peers: readonly Peer[], settings: HandoffSettings): Promise<Map<string, HandoffRun[]>> {
  const runs = new Map<string, HandoffRun[]>(peers.map((p) => [p.id, []]));
  const clients = await Promise.all(peers.map(() => connectMany(url, settings.workers)));
  try {
    for (let round = 0; round < settings.rounds; round++) {
      for (let k = 0; k < peers.length; k++) {
        const i = (round + k) % peers.length;
        const peer = peers[i]!;
        runs.get(peer.id)!.push(await runOnce(peer, clients[i]!, `bench-handoff-${peer.id}-${round}`, settings));
      }
    }
  } finally {
    await Promise.all(clients.map((c) => closeAll(c)));
  }
  return runs;
}

async function runOnce(peer: Peer, clients: readonly Redis[], key: string, settings: HandoffSettings): Promise<HandoffRun> {
  const contenders = clients.map((client) => peer.contender(client, key));
  const stop = new AbortController();
  const handoffMs: number[] = [];
  const waitMs: number[] = [];
  let grants = 0;
  let handedToOther = 0;
  let gaveUp = 0;
  let overlaps = 0;
  let holders = 0;
  let lastHolder = -1;
  let releasedAt: number | undefined;
  let onNextGrant: Array<() => void> = [];
  const nextGrant = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (stop.signal.aborted) resolve();
      else onNextGrant.push(resolve);
    });
  stop.signal.addEventListener('abort', () => {
    for (const wake of onNextGrant) wake();
    onNextGrant = [];
  });

  const start = performance.now();
  const deadline = start + settings.durationMs;
  const timer = setTimeout(() => stop.abort(), settings.durationMs);

  const worker = async (me: number): Promise<void> => {
    const lock = contenders[me]!;
    while (!stop.signal.aborted) {
      const askedAt = performance.now();
      const granted = await lock.acquire(stop.signal);
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
        grants++;
        waitMs.push(now - askedAt);
        if (releasedAt !== undefined) {
          handoffMs.push(now - releasedAt);
          if (lastHolder !== me) handedToOther++;
        }
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
  return { handoffMs, waitMs, grants, handedToOther, gaveUp, overlaps, durationMs: settings.durationMs };
}

/** Medians over rounds of the per-round statistics. */
export interface HandoffSummary {
  readonly handoffMedianMs: number;
  readonly handoffP95Ms: number;
  readonly waitMedianMs: number;
  readonly waitP95Ms: number;
  /** The longest wait of the round (unfinished waits included, counted up to the end). */
  readonly waitMaxMs: number;
  readonly grantsPerSecond: number;
  readonly handedToOtherShare: number;
  readonly gaveUp: number;
  readonly overlaps: number;
}

/** Summarizes each round, then takes the median over rounds. */
export function summarizeHandoff(runs: readonly HandoffRun[]): HandoffSummary {
  const over = (f: (r: HandoffRun) => number): number => median(runs.map(f));
  return {
    handoffMedianMs: over((r) => median(r.handoffMs)),
    handoffP95Ms: over((r) => p95(r.handoffMs)),
    waitMedianMs: over((r) => median(r.waitMs)),
    waitP95Ms: over((r) => p95(r.waitMs)),
    waitMaxMs: over((r) => r.waitMs.reduce((m, w) => Math.max(m, w), 0)),
    grantsPerSecond: over((r) => (r.grants / r.durationMs) * 1000),
    handedToOtherShare: over((r) => (r.grants > 0 ? r.handedToOther / r.grants : NaN)),
    gaveUp: runs.reduce((n, r) => n + r.gaveUp, 0),
    overlaps: runs.reduce((n, r) => n + r.overlaps, 0),
  };
}

/** Per round: `run`'s median handoff over `reference`'s in the same round; median over rounds. */
export function handoffRatio(runs: readonly HandoffRun[], reference: readonly HandoffRun[]): number {
  return median(runs.map((r, i) => median(r.handoffMs) / median(reference[i]!.handoffMs)));
}
