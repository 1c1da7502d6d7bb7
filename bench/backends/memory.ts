/** The memory part: MemoryLock's cycle rate through the Promise API, next to async-mutex. */
import type { ScenarioResult } from '../model/results';
import { runMemoryCycles } from '../scenarios/memory-cycles';
import type { BenchSettings } from '../settings';
import { CYCLE_COLUMNS } from './shared';

/** Runs the memory scenario (no server). */
export async function runMemoryPart(settings: BenchSettings): Promise<ScenarioResult[]> {
  return [
    {
      key: 'memory.cycles',
      backend: 'memory',
      title: 'memory: acquire + release, one lock, sequential, Promise API',
      measures: 'cycles/s with no network: the reactive layer’s own cost per acquisition, paid on every backend. async-mutex has no expiry, tokens or fencing.',
      settings: settings.memoryCycles,
      baseline: 'async-mutex',
      ratioMeaning: 'cycles/s ÷ async-mutex cycles/s in the same block',
      columns: CYCLE_COLUMNS,
      rows: await runMemoryCycles(settings.memoryCycles),
    },
  ];
}
