/**
 * How long and how often each scenario runs: the full run (the figures quoted in the README,
 * about 6 minutes on a 2-core machine) and `--quick` (each scenario briefly, to prove the
 * harness works in CI; its figures mean nothing).
 */
import type { ContendedSettings } from './scenarios/contended';
import type { ParallelKeysSettings } from './scenarios/parallel-keys';
import type { RenewalSettings } from './scenarios/renewal';
import type { UncontendedSettings } from './scenarios/uncontended';

/** Everything a run is parameterised by. */
export interface BenchSettings {
  readonly redisCycles: UncontendedSettings;
  readonly parallelKeys: ParallelKeysSettings;
  readonly memcachedCycles: UncontendedSettings;
  readonly etcdCycles: UncontendedSettings;
  readonly memoryCycles: UncontendedSettings;
  /** Handoff (`to-waiter`) and contended (`greedy`) take the same rounds and duration. */
  readonly contended: Omit<ContendedSettings, 'mode'>;
  readonly redisRenewal: RenewalSettings;
  readonly etcdRenewal: RenewalSettings;
}

const CONTENDERS = 8;
const HOLD_MS = 1;

export const FULL: BenchSettings = {
  redisCycles: { rounds: 20, durationMs: 150, warmupMs: 400 },
  parallelKeys: { rounds: 12, durationMs: 250, warmupMs: 400, keys: 64 },
  memcachedCycles: { rounds: 20, durationMs: 150, warmupMs: 400 },
  etcdCycles: { rounds: 10, durationMs: 250, warmupMs: 300 },
  memoryCycles: { rounds: 12, durationMs: 250, warmupMs: 500 },
  contended: { rounds: 3, workers: CONTENDERS, holdMs: HOLD_MS, durationMs: 2_500 },
  redisRenewal: { rounds: 2, locks: 10_000, expireMs: 3_000, minWindowMs: 5_000, settleMs: 500 },
  // 1,000, not 10,000: with one lease per lock, etcd (3.4, tmpfs, 2 cores) answers the acquires
  // at about 120/s and 3,000 at once missed the 5 s call deadline. Raise it with a shared lease.
  etcdRenewal: { rounds: 2, locks: 1_000, expireMs: 3_000, minWindowMs: 5_000, settleMs: 500 },
};

export const QUICK: BenchSettings = {
  redisCycles: { rounds: 2, durationMs: 60, warmupMs: 50 },
  parallelKeys: { rounds: 2, durationMs: 60, warmupMs: 50, keys: 64 },
  memcachedCycles: { rounds: 2, durationMs: 60, warmupMs: 50 },
  etcdCycles: { rounds: 2, durationMs: 100, warmupMs: 50 },
  memoryCycles: { rounds: 2, durationMs: 60, warmupMs: 50 },
  // Long enough for the slowest pollers (redlock's 200 ms, memcached's 100 ms) to hand off a few times.
  contended: { rounds: 1, workers: CONTENDERS, holdMs: HOLD_MS, durationMs: 1_200 },
  redisRenewal: { rounds: 1, locks: 500, expireMs: 3_000, minWindowMs: 1_000, settleMs: 100 },
  etcdRenewal: { rounds: 1, locks: 200, expireMs: 3_000, minWindowMs: 1_000, settleMs: 100 },
};
