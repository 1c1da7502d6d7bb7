import { memcachedBackend } from '../../../lib/backends/memcached/descriptor';
import type { MemjsClient } from '../../../lib/backends/memcached/send';
import { describeConformance } from '../../conformance/suite';
import { memcachedAvailable, startMemcached, type MemcachedServer } from '../../support/servers/memcached';
import { rawClient, runPrefix } from './support';

if (memcachedAvailable()) {
  let server: MemcachedServer | undefined;
  const clients: MemjsClient[] = [];

  describeConformance(
    'memcached @integration',
    async () => {
      server = await startMemcached();
      const client = rawClient(server.address);
      const admin = rawClient(server.address);
      clients.push(client, admin);
      return {
        backend: memcachedBackend,
        client,
        forceDelete: async (key: string) => {
          await admin.delete(key);
        },
        fencing: true,
        releaseNotification: false,
        // The server keeps an item up to ~4 s past `expire`: rounded up to whole seconds, plus
        // SERVER_CLOCK_SLACK_SECONDS for its clock tick.
        serverExpirySlack: 4_000,
        prefix: runPrefix(),
      };
    },
    async () => {
      for (const c of clients.splice(0)) c.close();
      await server?.close();
    },
  );
}
