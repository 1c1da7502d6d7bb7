/** Table columns and wording the backend parts share. */
import type { MetricColumn } from '../model/results';
import type { ContendedSettings } from '../scenarios/contended';

export const CYCLE_COLUMNS: readonly MetricColumn[] = [
  { key: 'cyclesPerSecond', label: 'cycles/s', digits: 0 },
  { key: 'cpuUsPerCycle', label: 'client CPU µs/cycle', digits: 0 },
];

export const CONTENDED_COLUMNS: readonly MetricColumn[] = [
  { key: 'handoffMedianMs', label: 'handoff p50 ms', digits: 2 },
  { key: 'handoffP95Ms', label: 'handoff p95 ms', digits: 2 },
  { key: 'grantsPerSecond', label: 'grants/s', digits: 0 },
  { key: 'cpuMsPerGrant', label: 'client CPU ms/grant', digits: 2 },
  { key: 'jainFairness', label: 'Jain fairness', digits: 2 },
  { key: 'selfRegrantShare', label: 'self-regrant share', digits: 2 },
  { key: 'waitMedianMs', label: 'wait p50 ms', digits: 1 },
  { key: 'waitMaxMs', label: 'longest wait ms', digits: 0 },
];

export const RENEWAL_COLUMNS: readonly MetricColumn[] = [
  { key: 'renewPeriodMs', label: 'renews every ms', digits: 0 },
  { key: 'cpuPercent', label: 'CPU % of a core', digits: 1 },
  { key: 'heapBytesPerLock', label: 'heap bytes/lock', digits: 0 },
  { key: 'requestsPerSecond', label: 'server requests/s', digits: 0 },
];

/** Title of a contended scenario. */
export function contendedTitle(backend: string, s: ContendedSettings): string {
  return s.mode === 'greedy'
    ? `${backend}: contended, immediate re-acquire (${s.workers} contenders, hold ${s.holdMs} ms)`
    : `${backend}: handoff to a waiting contender (${s.workers} contenders, hold ${s.holdMs} ms)`;
}

/** What a contended scenario measures. */
export function contendedMeasures(s: ContendedSettings, baseline: string): string {
  const how =
    s.mode === 'greedy'
      ? 'the releaser asks again at once and races the waiters'
      : 'the releaser asks again only once another contender got the lock, so every grant goes to a waiter';
  return `${s.workers} contenders on their own connections, each holding ${s.holdMs} ms; ${how}. handoff = release call → next grant. ${baseline}.`;
}

/** What the ratio of a contended scenario means. */
export function contendedRatio(mode: ContendedSettings['mode'], baseline: string): string {
  return mode === 'greedy'
    ? `grants/s ÷ ${baseline} grants/s in the same block`
    : `${baseline} median handoff ÷ this median handoff in the same block (higher is faster)`;
}
