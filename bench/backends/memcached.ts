/** The memcached part: uncontended cycles, handoff and contended, raw memjs next to sherlock-rx. */
import { memcachedConnector } from '../connectors';
import type { ScenarioResult } from '../model/results';
import { rawMemcachedPeer } from '../peers/raw-memcached';
import { sherlockMemcachedPeer } from '../peers/sherlock-rx';
import { runContended } from '../scenarios/contended';
import { runUncontended } from '../scenarios/uncontended';
import type { BenchSettings } from '../settings';
import { CONTENDED_COLUMNS, CYCLE_COLUMNS, contendedMeasures, contendedRatio, contendedTitle } from './shared';

/** Runs every memcached scenario against the server at `address` (`host:port`), handing each to `emit`. */
export async function runMemcachedPart(address: string, settings: BenchSettings, emit: (scenario: ScenarioResult) => void): Promise<void> {
  const connector = memcachedConnector(address);
  emit({
    key: 'memcached.uncontended',
    backend: 'memcached',
    title: 'memcached: uncontended acquire + release, one lock, sequential',
    measures: 'cycles/s of one contender on a free lock; client CPU per cycle. raw = memjs add, then delete (2 round trips, release not owner-checked).',
    settings: settings.memcachedCycles,
    baseline: 'raw-memcached',
    ratioMeaning: 'cycles/s ÷ raw cycles/s in the same block',
    columns: CYCLE_COLUMNS,
    rows: await runUncontended(connector, [rawMemcachedPeer({ spin: false }), sherlockMemcachedPeer], settings.memcachedCycles),
  });
  for (const mode of ['to-waiter', 'greedy'] as const) {
    const s = { ...settings.contended, mode };
    emit({
      key: mode === 'greedy' ? 'memcached.contended' : 'memcached.handoff',
      backend: 'memcached',
      title: contendedTitle('memcached', s),
      measures: contendedMeasures(s, 'raw = memjs add retried back to back'),
      settings: s,
      baseline: 'raw-memcached-spin',
      ratioMeaning: contendedRatio(mode, 'raw spin'),
      columns: CONTENDED_COLUMNS,
      rows: await runContended(connector, [rawMemcachedPeer({ spin: true }), sherlockMemcachedPeer], s),
    });
  }
}

/** The server's version, from `stats`. */
export async function memcachedVersion(address: string): Promise<string> {
  const connector = memcachedConnector(address);
  const client = await connector.open();
  try {
    return await new Promise<string>((resolve) => {
      client.stats((err, _server, stats) => resolve(err || !stats ? 'unknown' : (stats.version ?? 'unknown')));
    });
  } finally {
    await connector.close([client]);
  }
}
