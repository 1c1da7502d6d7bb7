/**
 * Helpers shared by the memcached specs: raw clients, targets and a TTL probe.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import * as memjs from 'memjs';
import { memcachedBackend } from '../../../lib/backends/memcached/descriptor';
import type { MemjsClient } from '../../../lib/backends/memcached/send';
import { otherOwner, runPrefix, targetsFor } from '../../support/targets';

/** A memjs client of our own (a "user-supplied" client: the library never closes it). */
export function rawClient(address: string): MemjsClient {
  return memjs.Client.create(address, { retries: 1, timeout: 1, logger: { log: () => undefined } });
}

/** A fresh lock target (new name, new token) under `namespace`. */
export const newTarget = targetsFor(memcachedBackend);

export { otherOwner, runPrefix };

/** What Python sherlock writes as an owner: `str(uuid4())`. */
export function pythonOwner(): string {
  return randomUUID();
}

/**
 * Remaining time to live of `key` in seconds as the server sees it (-1: never expires), or
 * null when absent, read with memcached's meta protocol (`mg <key> t`), which the binary
 * protocol cannot report.
 */
export function ttlOf(address: string, key: string): Promise<number | null> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) }, () => socket.write(`mg ${key} t\r\n`));
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('meta get timed out')));
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (!reply.endsWith('\r\n')) return;
      socket.destroy();
      if (reply.startsWith('EN')) return resolve(null);
      const m = /^HD t(-?\d+)/.exec(reply);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`unexpected meta reply ${JSON.stringify(reply)}`));
    });
  });
}

/** Polls until `check` is true (or throws after `timeoutMs`). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition still false after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** memcached's counters (`stats`), read over the text protocol so that they count none of our own requests. */
export function serverStats(address: string): Promise<Record<string, number>> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) }, () => socket.write('stats\r\n'));
    let reply = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('stats timed out')));
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (!reply.endsWith('END\r\n')) return;
      socket.destroy();
      const stats: Record<string, number> = {};
      for (const line of reply.split('\r\n')) {
        const [tag, name, value] = line.split(' ');
        if (tag === 'STAT') stats[name] = Number(value);
      }
      resolve(stats);
    });
  });
}
