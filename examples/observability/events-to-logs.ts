/**
 * Recipe: every lock event of the process as one structured JSON log line (the shape most log
 * pipelines ingest: a level, a message, then fields). Runs a few locks on the memory backend:
 * two workers contend for one lock, a third gives up at once, and a fourth lock is deleted by
 * force while held (as an operator would).
 *
 *   npx ts-node examples/observability/events-to-logs.ts
 *
 * Swap `write` for your logger (pino: `logger[level](fields, msg)`).
 */
import { MemoryLock, MemoryStore, lockEvents$, type LockEvent } from '../../lib';

type Level = 'debug' | 'info' | 'warn' | 'error';

/** How loud each event is: a loss or a failure wants attention, waiting is chatter. */
const LEVELS: Record<LockEvent['type'], Level> = {
  acquiring: 'debug',
  waiting: 'info',
  acquired: 'info',
  renewed: 'debug',
  'renew-failed': 'warn',
  lost: 'error',
  released: 'info',
  'timed-out': 'warn',
  'backend-error': 'error',
};

/** One event as a flat JSON-safe record: errors become their message and code, bigints strings. */
export function toLogRecord(event: LockEvent): Record<string, unknown> {
  const { type, at, ...fields } = event;
  const record: Record<string, unknown> = { time: new Date(at).toISOString(), level: LEVELS[type], msg: `lock ${type}` };
  for (const [k, v] of Object.entries(fields)) {
    if (v instanceof Error) record[k] = { message: v.message, code: (v as { code?: string }).code };
    else if (typeof v === 'bigint') record[k] = v.toString();
    else if (v === Infinity) record[k] = 'Infinity';
    else record[k] = v;
  }
  return record;
}

const write = (record: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(record)}\n`);

async function main(): Promise<void> {
  // Hot: subscribe before the locks are used, or their first events are missed.
  const subscription = lockEvents$.subscribe((event) => write(toLogRecord(event)));
  const store = new MemoryStore();
  const worker = (id: number) =>
    new MemoryLock('nightly-report', { client: store, expire: 10_000 }).run(async () => {
      await new Promise((r) => setTimeout(r, 30 + id));
    });
  await Promise.all([worker(1), worker(2)]);

  const holder = await new MemoryLock('busy', { client: store }).hold();
  await new MemoryLock('busy', { client: store }).acquire(false);
  await holder.release();

  const doomed = new MemoryLock('doomed', { client: store, expire: 10_000 });
  const handle = await doomed.hold();
  store.forceDelete(doomed.key);
  await handle.release().catch(() => undefined);
  subscription.unsubscribe();
}

void main();
