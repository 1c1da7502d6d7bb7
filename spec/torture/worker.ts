/**
 * A worker process of the torture suite: runs several contending clients (each with its own
 * backend connection) and appends every hold to a JSON-lines log. Started by the parent with
 * its plan as JSON in argv[2]; prints `READY`, then `HOLDING <record>` if it is the victim of
 * a holder SIGKILL, then `DONE <stats>`. A hard timer ends it whatever happens.
 */
import { appendFileSync } from 'node:fs';
import type { HoldRecord } from './checker';
import { now } from './clock';
import { contend, openClient, type ClientStats, type ContendPlan } from './clients';

export interface WorkerPlan extends ContendPlan {
  id: string;
  /** Server (or proxy) address each client connects to. */
  address: string;
  clients: number;
  logFile: string;
  /** Shared-clock time at which to start contending (all workers start together). */
  startAt: number;
  /** Exit with code 3 at this shared-clock time, whatever is pending. */
  hardDeadline: number;
  /** Victim: from this shared-clock time, the next grant is reported and held until SIGKILL. */
  victimAt?: number;
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2]!) as WorkerPlan;
  const hard = setTimeout(() => {
    process.stdout.write(`HARDTIMEOUT ${plan.id}\n`);
    process.exit(3);
  }, Math.max(0, plan.hardDeadline - now()));
  hard.unref();
  const clients = Array.from({ length: plan.clients }, () => openClient(plan.kind, plan.address));
  const stats: ClientStats = { grants: 0, errors: {} };
  const log = (r: HoldRecord) => appendFileSync(plan.logFile, `${JSON.stringify(r)}\n`);
  process.stdout.write('READY\n');
  const wait = plan.startAt - now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  let reported = false;
  const onHold = plan.victimAt === undefined
    ? undefined
    : async (r: HoldRecord) => {
        if (reported || now() < plan.victimAt!) return;
        reported = true;
        process.stdout.write(`HOLDING ${JSON.stringify(r)}\n`);
        await new Promise(() => undefined); // hold until killed (the hard timer is the bound)
      };
  await Promise.all(clients.map((c, i) => contend(plan, c.client, `${plan.id}/${i}`, log, stats, onHold)));
  for (const c of clients) c.close();
  process.stdout.write(`DONE ${JSON.stringify(stats)}\n`);
  // Whatever a closed client left behind must not keep the worker past its plan.
  setTimeout(() => process.exit(0), 500).unref();
}

main().catch((err: unknown) => {
  process.stdout.write(`CRASH ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(2);
});
