/**
 * Memory backend, one contender: acquire + release cycles/s of a free lock, with nobody
 * listening to lock events and with a subscriber on `lockEvents$`. The memory backend has no
 * network round trip, so this is where the cost of the events would show.
 *
 * `npx ts-node --transpile-only bench/scenarios/memory-events.ts [rounds] [ms] [baseline-lib]`
 * prints one JSON line: the cycles/s of each round per mode, their medians, and the median of
 * the per-round ratios. `baseline-lib` is the `lib` directory of another checkout (say, the
 * commit before the events): it then runs as a third mode in the same rounds, so a burst of
 * load from elsewhere on a noisy machine hits all modes of a round alike and the ratio
 * survives it (run-to-run medians on a 2-core VM moved by 3x; the same-round ratios did not).
 *
 * Measured on a noisy 2-core VM (Node 20), 5 runs of 5 rounds x 1 s, medians of the per-round
 * ratios: see the README's "Events and observability" section.
 */
import { performance } from 'node:perf_hooks';
import * as sherlock from '../../lib';
import { median } from '../stats';

type Mode = 'none' | 'subscribed' | 'baseline';

/** Acquires and releases `lock` in a loop for `durationMs`; returns cycles per second. */
async function cycleFor(lock: Pick<sherlock.Lock, 'acquire' | 'release'>, durationMs: number): Promise<number> {
  const start = performance.now();
  const end = start + durationMs;
  let cycles = 0;
  while (performance.now() < end) {
    await lock.acquire();
    await lock.release();
    cycles++;
  }
  return (cycles * 1000) / (performance.now() - start);
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const durationMs = Number(process.argv[3] ?? 1_000);
  // Absent on a tree from before the events: only `none` is measured there.
  const events$ = (sherlock as { lockEvents$?: typeof sherlock.lockEvents$ }).lockEvents$;
  const baselineDir = process.argv[4];
  const modes: Mode[] = events$ ? ['none', 'subscribed'] : ['none'];
  const locks: Partial<Record<Mode, Pick<sherlock.Lock, 'acquire' | 'release'>>> = {};
  locks.none = locks.subscribed = new sherlock.MemoryLock('bench-memory-cycle', { client: new sherlock.MemoryStore() });
  if (baselineDir) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const baseline = require(baselineDir) as typeof sherlock;
    locks.baseline = new baseline.MemoryLock('bench-memory-cycle', { client: new baseline.MemoryStore() });
    modes.push('baseline');
  }
  for (const mode of modes) await cycleFor(locks[mode]!, durationMs); // warm-up (JIT)
  const rates: Record<Mode, number[]> = { none: [], subscribed: [], baseline: [] };
  let seen = 0;
  for (let round = 0; round < rounds; round++) {
    // Alternating order: a burst of load elsewhere on the machine hits both modes alike.
    // Rotated order: no mode always runs first or last in a round.
    for (let k = 0; k < modes.length; k++) {
      const mode = modes[(round + k) % modes.length]!;
      const sub = mode === 'subscribed' ? events$!.subscribe(() => seen++) : undefined;
      rates[mode].push(await cycleFor(locks[mode]!, durationMs));
      sub?.unsubscribe();
    }
  }
  const result = {
    rounds,
    durationMs,
    none: { cyclesPerSecond: rates.none.map(Math.round), median: Math.round(median(rates.none)) },
    ...(events$
      ? { subscribed: { cyclesPerSecond: rates.subscribed.map(Math.round), median: Math.round(median(rates.subscribed)), events: seen } }
      : {}),
    ...(baselineDir
      ? {
          baseline: { cyclesPerSecond: rates.baseline.map(Math.round), median: Math.round(median(rates.baseline)) },
          // Per-round ratios to the baseline of the same round, then their median.
          noneToBaseline: round2(median(rates.none.map((r, i) => r / rates.baseline[i]!))),
          ...(events$ ? { subscribedToBaseline: round2(median(rates.subscribed.map((r, i) => r / rates.baseline[i]!))) } : {}),
        }
      : {}),
    ...(events$ ? { subscribedToNone: round2(median(rates.subscribed.map((r, i) => r / rates.none[i]!))) } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

void main();
