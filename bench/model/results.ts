/**
 * The shape of `bench/results/latest.json`, which the Markdown, the SVG chart and the quick
 * spec read. Every figure is a {@link Spread} over rounds (median, min, max), so a reader sees
 * how far one noisy round moved it.
 */
import type { Spread } from '../stats';

/** A column of a scenario's table: which metric, its heading, and its decimals. */
export interface MetricColumn {
  readonly key: string;
  readonly label: string;
  readonly digits: number;
}

/** One library (or baseline) in one scenario. */
export interface ResultRow {
  readonly id: string;
  readonly name: string;
  /** Ratio to the scenario's baseline, per round then over rounds; absent where there is none. */
  readonly ratio?: Spread;
  readonly metrics: Readonly<Record<string, Spread>>;
  /** Counts that are not spreads (per-worker grants summed over rounds, gave-up and overlap counts). */
  readonly counts?: Readonly<Record<string, number | readonly number[]>>;
}

/** One scenario on one backend, measured, or skipped with the reason. */
export interface ScenarioResult {
  /** Stable key, e.g. `redis.uncontended`. */
  readonly key: string;
  readonly backend: 'redis' | 'memcached' | 'etcd' | 'memory';
  readonly title: string;
  /** What it measures, one sentence for the Markdown. */
  readonly measures: string;
  readonly settings: object;
  /** Id of the baseline row, and what the ratio means (higher is better in every scenario). */
  readonly baseline?: string;
  readonly ratioMeaning?: string;
  readonly columns: readonly MetricColumn[];
  readonly rows: readonly ResultRow[];
  readonly skipped?: string;
}

/** The machine and servers a run used. */
export interface Machine {
  readonly os: string;
  readonly cpuModel: string;
  readonly cpus: number;
  readonly node: string;
  readonly servers: Readonly<Record<string, string>>;
}

/** All of one run. */
export interface BenchResults {
  readonly note: string;
  readonly generatedAt: string;
  readonly command: string;
  readonly quick: boolean;
  readonly durationS: number;
  readonly machine: Machine;
  readonly scenarios: readonly ScenarioResult[];
}

/** Every scenario key one run produces, in report order (the quick spec checks them all). */
export const SCENARIO_KEYS = [
  'redis.uncontended',
  'redis.parallelKeys',
  'redis.handoff',
  'redis.contended',
  'redis.renewal',
  'memcached.uncontended',
  'memcached.handoff',
  'memcached.contended',
  'etcd.uncontended',
  'etcd.handoff',
  'etcd.contended',
  'etcd.renewal',
  'memory.cycles',
] as const;
