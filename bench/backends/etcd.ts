/**
 * The etcd part: uncontended cycles, handoff and contended (sherlock-rx, etcd3's `Lock`, the
 * raw transaction), and many locks held with autoRenew. etcd's data dir is on tmpfs when there
 * is one, so a write costs no disk sync. etcd3's `Lock` and the raw transaction do not wait:
 * under contention they are retried back to back.
 */
import { EtcdLock } from '../../lib/index';
import { etcdConnector, etcdRequestCounter } from '../connectors';
import type { ScenarioResult } from '../model/results';
import { etcd3LockPeer } from '../peers/etcd3';
import { rawEtcdPeer } from '../peers/raw-etcd';
import { sherlockEtcdPeer, sherlockEtcdRenewingPeer } from '../peers/sherlock-rx';
import { spinning } from '../peers/spinning';
import { runContended } from '../scenarios/contended';
import { runRenewal } from '../scenarios/renewal';
import { runUncontended } from '../scenarios/uncontended';
import type { BenchSettings } from '../settings';
import { CONTENDED_COLUMNS, CYCLE_COLUMNS, RENEWAL_COLUMNS, contendedMeasures, contendedRatio, contendedTitle } from './shared';

/** Runs every etcd scenario against the server at `url`, handing each to `emit`, or says why it cannot. */
export async function runEtcdPart(url: string, settings: BenchSettings, emit: (scenario: ScenarioResult) => void): Promise<{ skipped: string } | undefined> {
  const connector = etcdConnector(url);
  const probe = await connector.open();
  try {
    const lock = new EtcdLock('bench-probe', { client: probe, timeout: 5_000 });
    await lock.acquire();
    await lock.release();
  } catch (err) {
    return { skipped: `EtcdLock does not work here: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    await connector.close([probe]);
  }
  emit({
    key: 'etcd.uncontended',
    backend: 'etcd',
    title: 'etcd: uncontended acquire + release, one lock, sequential',
    measures: 'cycles/s of one contender on a free lock; client CPU per cycle. raw = txn "create if absent" on a lease granted once, then txn "delete if mine".',
    settings: settings.etcdCycles,
    baseline: 'raw-etcd',
    ratioMeaning: 'cycles/s ÷ raw txn cycles/s in the same block',
    columns: [...CYCLE_COLUMNS, { key: 'vsCompared', label: "vs etcd3's Lock (per round)", digits: 2 }],
    rows: await runUncontended(connector, [rawEtcdPeer, sherlockEtcdPeer, etcd3LockPeer], settings.etcdCycles, undefined, etcd3LockPeer.id),
  });
  for (const mode of ['to-waiter', 'greedy'] as const) {
    const s = { ...settings.contended, mode };
    emit({
      key: mode === 'greedy' ? 'etcd.contended' : 'etcd.handoff',
      backend: 'etcd',
      title: contendedTitle('etcd', s),
      measures: contendedMeasures(s, "raw = the txn retried back to back; etcd3's Lock likewise (it never waits)"),
      settings: s,
      baseline: 'raw-etcd-spin',
      ratioMeaning: contendedRatio(mode, 'raw txn spin'),
      columns: CONTENDED_COLUMNS,
      rows: await runContended(connector, [spinning(rawEtcdPeer), sherlockEtcdPeer, spinning(etcd3LockPeer)], s),
    });
  }
  emit({
    key: 'etcd.renewal',
    backend: 'etcd',
    title: `etcd: ${settings.etcdRenewal.locks} locks held with renewal, expire ${settings.etcdRenewal.expireMs} ms`,
    measures: 'while holding them: CPU share of the process, heap per lock (after GC), gRPC messages etcd received per second (its /metrics).',
    settings: settings.etcdRenewal,
    columns: RENEWAL_COLUMNS,
    rows: await runRenewal(connector, [sherlockEtcdRenewingPeer], settings.etcdRenewal, () => etcdRequestCounter(url)),
  });
  return undefined;
}
