/**
 * The Redis part: uncontended cycles, 64 parallel keys on one client, handoff and contended
 * (8 contenders), and 10,000 locks held with autoRenew, each library side by side.
 */
import { closeAll, commandCounters, connect, redisConnector } from '../clients';
import type { ScenarioResult } from '../model/results';
import { rawPeer } from '../peers/raw';
import { redisSemaphorePeer, redisSemaphoreRenewingPeer } from '../peers/redis-semaphore';
import { redlockPeer } from '../peers/redlock';
import { sherlockObservablePeer, sherlockPeer, sherlockRenewingPeer } from '../peers/sherlock-rx';
import { runContended } from '../scenarios/contended';
import { runParallelKeys } from '../scenarios/parallel-keys';
import { runRenewal } from '../scenarios/renewal';
import { runUncontended } from '../scenarios/uncontended';
import type { BenchSettings } from '../settings';
import { CONTENDED_COLUMNS, CYCLE_COLUMNS, RENEWAL_COLUMNS, contendedMeasures, contendedRatio, contendedTitle } from './shared';

/** Runs every Redis scenario against the server at `url`, handing each to `emit` as it ends. */
export async function runRedisPart(url: string, settings: BenchSettings, emit: (scenario: ScenarioResult) => void): Promise<void> {
  const observer = await connect(url);
  try {
    let ownRequests = 0;
    const commands = async (): Promise<number> => (await commandCounters(observer)).total - ownRequests++;
    const connector = redisConnector(url);
    const cyclePeers = [rawPeer({ spin: false }), sherlockPeer, sherlockObservablePeer, redlockPeer({ retryCount: 0 }), redisSemaphorePeer];
    const keyPeers = [rawPeer({ spin: false }), sherlockPeer, redlockPeer({ retryCount: 0 }), redisSemaphorePeer];
    const contendedPeers = [rawPeer({ spin: true }), sherlockPeer, redlockPeer(), redisSemaphorePeer];
    emit({
      key: 'redis.uncontended',
      backend: 'redis',
      title: 'Redis: uncontended acquire + release, one lock, sequential',
      measures: 'cycles/s of one contender on a free lock; client CPU and server commands per cycle. raw = SET NX PX, then EVALSHA compare-and-delete (2 round trips).',
      settings: settings.redisCycles,
      baseline: 'raw',
      ratioMeaning: 'cycles/s ÷ raw cycles/s in the same block',
      columns: [...CYCLE_COLUMNS, { key: 'commandsPerCycle', label: 'server cmds/cycle', digits: 1 }],
      rows: await runUncontended(connector, cyclePeers, settings.redisCycles, commands),
    });
    emit({
      key: 'redis.parallelKeys',
      backend: 'redis',
      title: `Redis: ${settings.parallelKeys.keys} parallel keys on one client`,
      measures: `${settings.parallelKeys.keys} loops, each acquiring and releasing its own free lock, all on one connection (pipelined): total cycles/s.`,
      settings: settings.parallelKeys,
      baseline: 'raw',
      ratioMeaning: 'cycles/s ÷ raw cycles/s in the same block',
      columns: [...CYCLE_COLUMNS, { key: 'commandsPerCycle', label: 'server cmds/cycle', digits: 1 }],
      rows: await runParallelKeys(connector, keyPeers, settings.parallelKeys, commands),
    });
    for (const mode of ['to-waiter', 'greedy'] as const) {
      const s = { ...settings.contended, mode };
      emit({
        key: mode === 'greedy' ? 'redis.contended' : 'redis.handoff',
        backend: 'redis',
        title: contendedTitle('Redis', s),
        measures: contendedMeasures(s, 'raw = SET NX PX retried back to back'),
        settings: s,
        baseline: 'raw-spin',
        ratioMeaning: contendedRatio(mode, 'raw spin'),
        columns: CONTENDED_COLUMNS,
        rows: await runContended(connector, contendedPeers, s),
      });
    }
    emit({
      key: 'redis.renewal',
      backend: 'redis',
      title: `Redis: ${settings.redisRenewal.locks} locks held with renewal, expire ${settings.redisRenewal.expireMs} ms`,
      measures: 'while holding them: CPU share of the process, heap per lock (after GC), server commands and script calls per second (INFO).',
      settings: settings.redisRenewal,
      columns: [...RENEWAL_COLUMNS, { key: 'scriptCallsPerSecond', label: 'EVALSHA/s', digits: 0 }],
      rows: await runRenewal(connector, [redisSemaphoreRenewingPeer, sherlockRenewingPeer], settings.redisRenewal, async () => {
        const c = await commandCounters(observer);
        return { requests: c.total - ownRequests++, scriptCalls: c.calls.get('evalsha') ?? 0 };
      }),
    });
  } finally {
    await closeAll([observer]);
  }
}
