/**
 * Several workers contend for one lock; each takes it a few times, does a little "work"
 * guarded by the lock, and the summary checks that nobody ever overlapped and that the
 * fencing tokens only went up.
 *
 *   npm run demo                          # in-memory backend, no server needed
 *   npm run demo -- --backend redis       # 127.0.0.1:6379 (or REDIS_URL)
 *   npm run demo -- --backend memcached   # 127.0.0.1:11211
 *   npm run demo -- --backend etcd        # 127.0.0.1:2379
 *   npm run demo -- --workers 8 --rounds 5
 */
import { Lock, backends, closeDefaultClients, type BackendDescriptor } from '../lib';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const choices: Record<string, BackendDescriptor<any>> = {
  memory: backends.MEMORY,
  redis: backends.REDIS,
  memcached: backends.MEMCACHED,
  etcd: backends.ETCD,
};

async function main(): Promise<void> {
  const backendName = arg('backend', 'memory');
  const backend = choices[backendName];
  if (!backend) throw new Error(`--backend must be one of ${Object.keys(choices).join(', ')}, got "${backendName}"`);
  const workers = Number(arg('workers', '4'));
  const rounds = Number(arg('rounds', '3'));
  const name = `demo-${process.pid}`;

  console.log(`${workers} workers x ${rounds} rounds on lock "${name}" (${backendName} backend)\n`);
  const t0 = performance.now();
  const ms = () => `${(performance.now() - t0).toFixed(0).padStart(5)} ms`;
  let inside = 0;
  let overlaps = 0;
  const grants: Array<{ worker: number; fence: number | bigint | undefined }> = [];

  const worker = async (id: number) => {
    const lock = new Lock(name, { backend, expire: 5_000, timeout: 30_000, retryInterval: 50 });
    for (let round = 1; round <= rounds; round++) {
      const asked = performance.now();
      await using handle = await lock.hold();
      inside++;
      if (inside > 1) overlaps++;
      grants.push({ worker: id, fence: handle.fencingToken });
      console.log(
        `${ms()}  worker ${id} got the lock (round ${round}, waited ${(performance.now() - asked).toFixed(0)} ms, fencing token ${String(handle.fencingToken)})`,
      );
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
      inside--;
    }
  };

  await Promise.all(Array.from({ length: workers }, (_, i) => worker(i + 1)));
  const fences = grants.map((g) => g.fence);
  const increasing = fences.every((f, i) => i === 0 || f === undefined || (f as number) > (fences[i - 1] as number));
  console.log(`\nSummary: ${grants.length} grants in ${ms().trim()}, overlapping holders: ${overlaps}, fencing tokens strictly increasing: ${increasing}`);
  await closeDefaultClients();
  if (overlaps > 0 || !increasing) process.exitCode = 1;
}

main().catch(async (err: unknown) => {
  console.error(err);
  await closeDefaultClients().catch(() => undefined);
  process.exitCode = 1;
});
