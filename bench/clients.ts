/**
 * ioredis connections for the bench: opened ready, counted, and closed at the end (the bench
 * owns every client it opens; none is left to keep the process alive).
 */
import Redis from 'ioredis';
import type { Connector } from './peers/peer';

/** A connection to `url`, resolved once it is ready. */
export async function connect(url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, disconnectTimeout: 100 });
  await client.connect();
  return client;
}

/** `count` connections to `url`. */
export function connectMany(url: string, count: number): Promise<Redis[]> {
  return Promise.all(Array.from({ length: count }, () => connect(url)));
}

/** Redis connections to `url`, as the scenarios take them. */
export function redisConnector(url: string): Connector<Redis> {
  return { open: () => connect(url), close: closeAll };
}

/** Closes `clients` (QUIT lets replies in flight arrive first). */
export async function closeAll(clients: readonly Redis[]): Promise<void> {
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
}

/**
 * Counts the writes `client` makes to its socket: one per command sent alone, one per
 * pipeline (ioredis concatenates a pipeline into a single write). That is the number of
 * requests, i.e. round trips when nothing else is in flight.
 */
export function countWrites(client: Redis): { readonly writes: number } {
  const stream = (client as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
  const write = stream.write.bind(stream);
  const counter = { writes: 0 };
  stream.write = (...args: unknown[]) => {
    counter.writes++;
    return write(...args);
  };
  return counter;
}

/** Parses `INFO` output into field → value. */
export function parseInfo(info: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of info.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** The server's command counters: total processed, and calls per command name. */
export async function commandCounters(client: Redis): Promise<{ total: number; calls: Map<string, number> }> {
  const fields = parseInfo(await client.info('everything'));
  const calls = new Map<string, number>();
  for (const [field, value] of fields) {
    if (!field.startsWith('cmdstat_')) continue;
    const match = /(?:^|,)calls=(\d+)/.exec(value);
    if (match) calls.set(field.slice('cmdstat_'.length), Number(match[1]));
  }
  return { total: Number(fields.get('total_commands_processed') ?? NaN), calls };
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
