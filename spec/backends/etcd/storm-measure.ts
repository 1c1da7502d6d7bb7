/**
 * One-off measurement of an acquire$() cancellation storm on one etcd client (issue 8, item
 * 12), at the size. Not part of the suite (too slow, and its figures are reported,
 * not asserted). Run:
 *   node -r ts-node/register/transpile-only spec/backends/etcd/storm-measure.ts [N] [spreadMs]
 * It starts its own etcd through the test harness.
 */
import { Etcd3 } from 'etcd3';
import type { Subscription } from 'rxjs';
import { EtcdLock } from '../../../lib/index';
import { startEtcd } from '../../support/servers/etcd';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 4000);
  const spreadMs = Number(process.argv[3] ?? 2500);
  const maxWaitMs = Number(process.argv[4] ?? 120_000);
  const unhandled: unknown[] = [];
  process.on('unhandledRejection', (r) => unhandled.push(r));
  const server = await startEtcd();
  const client = new Etcd3({ hosts: server.url });
  const raw = new Etcd3({ hosts: server.url });
  const name = `storm-${process.pid}`;
  try {
    const holder = new EtcdLock(name, { client, expire: null });
    await holder.acquire();
    const rss0 = process.memoryUsage().rss;
    let rssPeak = rss0;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);

    // Another lock on the same client, cycled all through the storm.
    let otherOk = 0;
    const otherFailures: string[] = [];
    let storming = true;
    const other = (async () => {
      const lock = new EtcdLock(`${name}-other`, { client, expire: 10_000, timeout: 10_000 });
      while (storming) {
        const t0 = Date.now();
        try {
          await lock.acquire();
          await lock.release();
          otherOk++;
        } catch (err) {
          otherFailures.push(`${(err as Error).name} after ${Date.now() - t0} ms: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const start = Date.now();
    const subs: Subscription[] = [];
    let errors = 0;
    let pendingUnsub = 0;
    const unsubDone = new Promise<void>((resolve) => {
      let scheduled = 0;
      const tick = () => {
        const due = Math.min(n, Math.ceil(((Date.now() - start) / spreadMs) * n));
        for (; scheduled < due; scheduled++) {
          const sub = new EtcdLock(name, { client, expire: 60_000, timeout: 30_000 })
            .acquire$()
            .subscribe({ error: () => errors++ });
          subs.push(sub);
          pendingUnsub++;
          setTimeout(() => {
            sub.unsubscribe();
            if (--pendingUnsub === 0 && scheduled >= n) resolve();
          }, Math.random() * 40);
        }
        if (scheduled < n) setTimeout(tick, 5);
      };
      tick();
    });
    await unsubDone;
    const unsubscribedAt = Date.now();
    // Wait (bounded) until only the holder's key is left.
    let left = -1;
    let maxLeft = 0;
    for (let i = 0; i < 10_000 && Date.now() - unsubscribedAt < maxWaitMs; i++) {
      const res = await raw.getAll().prefix(`${name}/`).keys();
      left = res.length - 1;
      maxLeft = Math.max(maxLeft, left);
      if (i % 20 === 0) console.error(`t+${Date.now() - unsubscribedAt} ms: ${left} keys, other ok ${otherOk} failed ${otherFailures.length}, rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const cleanMs = Date.now() - unsubscribedAt;
    storming = false;
    await other;
    clearInterval(sampler);
    await holder.release();
    console.log(JSON.stringify({
      n, spreadMs, stormMs: unsubscribedAt - start, keysLeftAfterUnsubscribe: maxLeft, keysLeftFinal: left, cleanMs,
      rssBaseMB: Math.round(rss0 / 1e6), rssPeakMB: Math.round(rssPeak / 1e6), otherOk,
      otherFailures: otherFailures.length, firstFailures: otherFailures.slice(0, 3), subscriberErrors: errors,
      unhandled: unhandled.length, firstUnhandled: unhandled.slice(0, 2).map(String),
    }, null, 1));
  } finally {
    client.close();
    raw.close();
    await server.stop();
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
