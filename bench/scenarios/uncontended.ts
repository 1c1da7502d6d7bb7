/**
 * Uncontended cycles: one contender acquires and releases one free lock in a tight sequential
 * loop. Measures the cost a library adds around the round trips of an owner-checked lock: the
 * cycle rate, the client CPU per cycle, and (where the server counts them) the server
 * commands per cycle.
 */
import { performance } from 'node:perf_hooks';
import type { ResultRow } from '../model/results';
import type { Connector, Peer, PeerLock } from '../peers/peer';
import { ratio, spread } from '../stats';

/** Settings of the cycle scenarios (also used by the parallel-keys one). */
export interface UncontendedSettings {
  /**
   * Rounds; each round is a block that times every peer once, in a rotated order. Many short
   * rounds rather than a few long ones: a burst of load from elsewhere on the machine then hits
   * the peers of one block alike, and the per-round ratio survives it.
   */
  readonly rounds: number;
  /** Timed duration of one peer in one round, in ms. */
  readonly durationMs: number;
  /** Untimed cycling of each peer before the first round (JIT, connection, script cache), in ms. */
  readonly warmupMs: number;
}

/** Reads a server's running count of processed commands, not counting the requests it made itself. */
export type CommandCounter = () => Promise<number>;

/** One timed stretch of one peer. */
export interface CycleSample {
  readonly cyclesPerSecond: number;
  readonly cpuUsPerCycle: number;
}

/**
 * Runs the scenario, one client and one contender per peer; `peers[0]` is the baseline of the
 * ratios. With `commands`, also the server commands per cycle.
 */
export async function runUncontended<C>(
  connector: Connector<C>,
  peers: ReadonlyArray<Peer<C>>,
  settings: UncontendedSettings,
  commands?: CommandCounter,
  compareTo?: string,
): Promise<ResultRow[]> {
  const clients = await Promise.all(peers.map(() => connector.open()));
  const locks = peers.map((peer, i) => peer.contender(clients[i]!, `bench-cycle-${peer.id}`));
  try {
    const loops = locks.map((lock, i) => (ms: number) => cycleFor(peers[i]!.name, [lock], ms));
    return await interleave(peers, loops, settings, commands, compareTo);
  } finally {
    await Promise.all(locks.map((lock) => lock.dispose?.()));
    await connector.close(clients);
  }
}

/**
 * Times `loops[i]` (peer i's timed stretch) in rotated blocks, and turns the samples into
 * rows with ratios to `peers[0]` of the same block. Shared by the cycle scenarios.
 */
export async function interleave<C>(
  peers: ReadonlyArray<Peer<C> | { readonly id: string; readonly name: string }>,
  loops: ReadonlyArray<(durationMs: number) => Promise<CycleSample & { cycles: number }>>,
  settings: UncontendedSettings,
  commands?: CommandCounter,
  compareTo?: string,
): Promise<ResultRow[]> {
  for (const loop of loops) await loop(settings.warmupMs);
  const samples = peers.map(() => [] as Array<CycleSample & { commandsPerCycle: number }>);
  for (let round = 0; round < settings.rounds; round++) {
    for (let k = 0; k < peers.length; k++) {
      const i = (round + k) % peers.length; // rotate, so no peer always runs first or last
      const before = commands ? await commands() : NaN;
      const sample = await loops[i]!(settings.durationMs);
      const after = commands ? await commands() : NaN;
      samples[i]!.push({ ...sample, commandsPerCycle: (after - before) / sample.cycles });
    }
  }
  const compared = compareTo === undefined ? -1 : peers.findIndex((p) => p.id === compareTo);
  return peers.map((peer, i) => ({
    id: peer.id,
    name: peer.name,
    ratio: spread(samples[i]!.map((s, round) => ratio(s.cyclesPerSecond, samples[0]![round]!.cyclesPerSecond))),
    metrics: {
      cyclesPerSecond: spread(samples[i]!.map((s) => s.cyclesPerSecond)),
      cpuUsPerCycle: spread(samples[i]!.map((s) => s.cpuUsPerCycle)),
      ...(commands ? { commandsPerCycle: spread(samples[i]!.map((s) => s.commandsPerCycle)) } : {}),
      // A second comparison, per round like the ratio (e.g. sherlock-rx vs etcd3's Lock): the
      // ratio of two medians over rounds is not the median of the per-round ratios.
      ...(compared >= 0 ? { vsCompared: spread(samples[i]!.map((s, round) => ratio(s.cyclesPerSecond, samples[compared]![round]!.cyclesPerSecond))) } : {}),
    },
  }));
}

/** Aim for one clock read per this many ms of cycling (ms). */
const CLOCK_READ_EVERY_MS = 1;
/** Largest number of cycles between two clock reads. */
const MAX_BATCH = 256;

/**
 * Cycles every lock of `locks` concurrently (each its own sequential loop) for `durationMs`;
 * returns the total cycles, their rate and the process CPU per cycle.
 */
export async function cycleFor(name: string, locks: readonly PeerLock[], durationMs: number): Promise<CycleSample & { cycles: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + durationMs;
  let cycles = 0;
  await Promise.all(
    locks.map(async (lock) => {
      // The clock is read once per batch, not per cycle: on the memory backend a read per
      // cycle was a visible share of what was timed. A batch grows while it takes under
      // CLOCK_READ_EVERY_MS, so a slow (network) cycle still ends the stretch on time.
      let batch = 1;
      for (let now = performance.now(); now < end; ) {
        for (let i = 0; i < batch; i++) {
          if (!(await lock.acquire())) throw new Error(`${name}: a free lock was not granted`);
          await lock.release();
        }
        cycles += batch;
        const before = now;
        now = performance.now();
        if (now - before < CLOCK_READ_EVERY_MS && batch < MAX_BATCH) batch *= 2;
      }
    }),
  );
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { cycles, cyclesPerSecond: (cycles / elapsed) * 1000, cpuUsPerCycle: (used.user + used.system) / Math.max(cycles, 1) };
}
