/**
 * The two sizes of the suite: short (inside `npm test`, well under a minute per backend) and
 * long (on demand, about 10 minutes for all backends). Every loop is bounded by these.
 */
import type { BackendKind } from './clients';
import { badInput, cancellation, contention, leadTime, type Figures } from './scenarios';
import type { TortureBackend } from './servers';

export type Size = 'short' | 'long';

export type ScenarioName = 'contention' | 'stall' | 'lead' | 'cancellation' | 'bad input';

/** Runs one scenario of `size` on `b`. */
export function runScenario(b: TortureBackend, name: ScenarioName, size: Size): Promise<Figures> {
  const long = size === 'long';
  switch (name) {
    case 'contention':
      return contention(
        b,
        { processes: 3, clientsPerProcess: 3, durationMs: long ? 150_000 : 9_000, expire: 1000, faults: true, holdShare: 0.5, locks: 2 },
        'contention + faults',
      );
    case 'stall':
      // The repro: 8 workers on expire 1000, server SIGSTOPped 1.5 s, three times. A
      // Promise-style holder cannot see its deadline, so 3 holds in 4 use hold(), whose handle
      // shows a grant that came after its validity (a late grant) whoever wins after the stall.
      return contention(
        b,
        {
          processes: 2, clientsPerProcess: 4, durationMs: long ? 30_000 : 7_000, expire: 1000, faults: false, holdShare: 0.75, locks: 1,
          stalls: { count: long ? 10 : 3, ms: 1500, gapMs: 600 },
        },
        'stall > expire',
      );
    case 'lead':
      // Five trials at a time: more would load this process's event loop, which also runs A's timers.
      return leadTime(b, long ? 50 : 5, 5, b.kind === 'redis' ? 500 : 1000);
    case 'cancellation':
      return cancellation(b, long ? 2000 : 120, 8);
    case 'bad input':
      return badInput(b);
  }
}

/** The scenarios that apply to a backend (memory has no server to stall and nothing between to proxy). */
export function scenariosFor(kind: BackendKind): ScenarioName[] {
  if (kind === 'memory') return ['contention', 'cancellation', 'bad input'];
  return ['contention', 'stall', 'lead', 'cancellation', 'bad input'];
}
