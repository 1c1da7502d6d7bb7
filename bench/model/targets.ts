/**
 * The ratio targets of issue 13 that the chart marks, by scenario key, for sherlock-rx's row
 * (its Promise API). Targets that are not a ratio to this chart's baselines (fairness, CPU,
 * heap, requests/s, cycles/s, etcd vs etcd3's Lock) are in the tables only.
 */
export const RATIO_TARGETS: Readonly<Record<string, { readonly rowId: string; readonly atLeast: number }>> = {
  'redis.uncontended': { rowId: 'sherlock-rx', atLeast: 0.95 },
  'redis.parallelKeys': { rowId: 'sherlock-rx', atLeast: 0.9 },
  'redis.handoff': { rowId: 'sherlock-rx', atLeast: 0.85 },
  'memcached.uncontended': { rowId: 'sherlock-rx-memcached', atLeast: 0.6 },
  'memcached.handoff': { rowId: 'sherlock-rx-memcached', atLeast: 0.5 },
  'etcd.contended': { rowId: 'sherlock-rx-etcd', atLeast: 0.8 },
};
