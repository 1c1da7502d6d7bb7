/**
 * The optional etcd part: uncontended cycles against an etcd started on a free loopback port
 * (the test harness's, data dir on tmpfs when there is one, so a write costs no disk sync).
 * Skipped, with the reason, when etcd is not installed or `EtcdLock` does not work here.
 * etcd3 is loaded only when this part runs.
 */
import type { Etcd3 } from 'etcd3';
import { EtcdLock } from '../lib/index';
import { hasBinary } from '../spec/support/servers/process';
import { etcd3LockPeer } from './peers/etcd3';
import type { Connector } from './peers/peer';
import { rawEtcdPeer } from './peers/raw-etcd';
import { sherlockEtcdPeer } from './peers/sherlock-rx';
import { runUncontended, summarizeUncontended, type UncontendedSettings } from './scenarios/uncontended';

/** What the etcd part produced. */
export type EtcdPart =
  | { readonly skipped: string }
  | { readonly skipped?: undefined; readonly cycles: ReturnType<typeof summarizeUncontended> };

/** Runs the etcd cycles, or says why not. */
export async function runEtcdPart(settings: UncontendedSettings): Promise<EtcdPart> {
  if (!process.env.ETCD_URL && !hasBinary('etcd')) return { skipped: 'etcd is not installed (nor ETCD_URL set)' };
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { startEtcd } = require('../spec/support/servers/etcd') as typeof import('../spec/support/servers/etcd');
  const { Etcd3: Etcd3Client } = require('etcd3') as typeof import('etcd3');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const server = await startEtcd();
  try {
    const connector: Connector<Etcd3> = {
      open: () => Promise.resolve(new Etcd3Client({ hosts: server.url })),
      close: (clients) => {
        for (const c of clients) c.close();
        return Promise.resolve();
      },
    };
    const probe = await connector.open();
    try {
      const lock = new EtcdLock('bench-probe', { client: probe, timeout: 5_000 });
      await lock.acquire();
      await lock.release();
    } catch (err) {
      return { skipped: `EtcdLock does not work here yet: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      await connector.close([probe]);
    }
    return { cycles: summarizeUncontended(await runUncontended(connector, [rawEtcdPeer, sherlockEtcdPeer, etcd3LockPeer], settings)) };
  } finally {
    await server.stop();
  }
}
