/**
 * Scenario 1: one contender acquires and releases one free lock in a tight sequential loop.
 * Measures the cost a library adds around the two round trips of an owner-checked lock.
 */
import { performance } from 'node:perf_hooks';
import type { Connector, Peer, PeerLock } from '../peers/peer';
import { median, ratio } from '../stats';

/** Settings of the cycle scenario. */
export interface UncontendedSettings {
  /**
   * Rounds; each round times every peer once, in a rotated order. Many short rounds rather than
   * a few long ones: a burst of load from elsewhere on the machine then hits the peers of one
   * round alike, and the per-round ratio survives it.
   */
  readonly rounds: number;
  /** Timed duration of one peer in one round, in ms. */
  readonly durationMs: number;
  /** Untimed cycling of each peer before the first round (JIT, connection, script cache), in ms. */
  readonly warmupMs: number;
}

/** Per peer: cycles/s of each round and its ratio to the baseline of the same round. */
export interface UncontendedResult {
  readonly id: string;
  readonly name: string;
  readonly cyclesPerSecond: number[];
  readonly ratioToBaseline: number[];
}

/** Runs the scenario, one client and one contender per peer; `peers[0]` is the baseline. */
export async function runUncontended<C>(connector: Connector<C>, peers: ReadonlyArray<Peer<C>>, settings: UncontendedSettings): Promise<UncontendedResult[]> {
  const clients = await Promise.all(peers.map(() => connector.open()));
  const locks = peers.map((peer, i) => ({ peer, lock: peer.contender(clients[i]!, `bench-cycle-${peer.id}`) }));
  try {
    for (const { peer, lock } of locks) await cycleFor(peer.name, lock, settings.warmupMs);
    const rates = peers.map(() => [] as number[]);
    for (let round = 0; round < settings.rounds; round++) {
      for (let k = 0; k < peers.length; k++) {
        const i = (round + k) % peers.length; // rotate, so no peer always runs first or last
        rates[i]!.push(await cycleFor(peers[i]!.name, locks[i]!.lock, settings.durationMs));
      }
    }
    return peers.map((peer, i) => ({
      id: peer.id,
      name: peer.name,
      cyclesPerSecond: rates[i]!,
      ratioToBaseline: rates[i]!.map((r, round) => ratio(r, rates[0]![round]!)),
    }));
  } finally {
    await Promise.all(locks.map(({ lock }) => lock.dispose?.()));
    await connector.close(clients);
  }
}

/** Acquires and releases `lock` in a loop for `durationMs`; returns cycles per second. */
async function cycleFor(name: string, lock: PeerLock, durationMs: number): Promise<number> {
  const start = performance.now();
  const end = start + durationMs;
  let cycles = 0;
  while (performance.now() < end) {
    if (!(await lock.acquire())) throw new Error(`${name}: a free lock was not granted`);
    await lock.release();
    cycles++;
  }
  return (cycles / (performance.now() - start)) * 1000;
}

/** Medians over rounds, for the report. */
export function summarizeUncontended(results: readonly UncontendedResult[]): Array<{ id: string; name: string; cyclesPerSecond: number; ratioToBaseline: number }> {
  return results.map((r) => ({
    id: r.id,
    name: r.name,
    cyclesPerSecond: median(r.cyclesPerSecond),
    ratioToBaseline: median(r.ratioToBaseline),
  }));
}
