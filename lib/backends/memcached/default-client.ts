/**
 * The client used when the user gives none.
 */
import type { ClientOptions, ServerOptions } from 'memjs';
import { socketsOf, unrefWhenIdle, whenClosed, type MemjsClient } from './send';

/**
 * Options of the default client. Short timeouts so that a down server fails an acquire
 * within about a second instead of hanging; a silent logger because every failure reaches
 * the caller as a `LockBackendError` already.
 */
export const DEFAULT_CLIENT_OPTIONS: ClientOptions & ServerOptions = Object.freeze({
  retries: 1,
  timeout: 1,
  conntimeout: 1,
  logger: { log: () => undefined },
});

/**
 * Creates the default client: the servers in `MEMCACHIER_SERVERS` or `MEMCACHE_SERVERS` (memjs's
 * own convention), else `localhost:11211`. Its sockets do not keep the process alive while
 * idle.
 */
export function createDefaultClient(): MemjsClient {
  // Loaded here, not at the top: only a process that uses the memcached backend loads memjs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const memjs = require('memjs') as typeof import('memjs');
  const client = memjs.Client.create(undefined, { ...DEFAULT_CLIENT_OPTIONS });
  unrefWhenIdle(client);
  return client;
}

/** How long {@link closeClient} waits for the server to acknowledge the close. */
const CLOSE_GRACE_MS = 1000;

/**
 * Closes a client we created: its sockets end, and are destroyed if the server does not
 * answer within {@link CLOSE_GRACE_MS} (a stalled server never does). The sockets and the
 * grace timer stay referenced meanwhile: with nothing else referenced, an unreferenced wait
 * would let the process exit in the middle of `await closeDefaultClients()`, so that code
 * after it never ran. Settles within about {@link CLOSE_GRACE_MS} whatever the server does.
 */
export async function closeClient(client: MemjsClient): Promise<void> {
  const sockets = socketsOf(client);
  const closed = sockets.map(whenClosed);
  for (const s of sockets) s.ref();
  client.close();
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CLOSE_GRACE_MS);
  });
  await Promise.race([Promise.all(closed), grace]);
  clearTimeout(timer);
  for (const s of sockets) if (!s.destroyed) s.destroy();
}
