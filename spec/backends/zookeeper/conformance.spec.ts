import type { Client } from 'node-zookeeper-client';
import { backends } from '../../../lib';
import { describeConformance } from '../../conformance/suite';
import { startZooKeeper, zookeeperAvailable, type ZooKeeperServer } from '../../support/servers/zookeeper';
import { runPrefix } from '../../support/targets';
import { closeClient, connectedClient, deleteChildren } from './support';

describe('zookeeper backend @integration', function () {
  let server: ZooKeeperServer | undefined;
  let client: Client | undefined;

  describeConformance(
    'zookeeper @integration',
    async () => {
      if (!zookeeperAvailable()) throw new Error('ZooKeeper is not installed (see the loud notice above)');
      server = await startZooKeeper();
      // A session long enough that a slow, shared machine never expires it during the suite.
      client = await connectedClient(server.connectionString, 10_000);
      const c = client;
      return {
        backend: backends.ZOOKEEPER,
        client: c,
        // The lock is the node: delete every contender child under it, as an operator would.
        forceDelete: (key) => deleteChildren(c, key),
        fencing: true,
        releaseNotification: true,
        serverExpirySlack: 0,
        prefix: `${runPrefix()}-`,
      };
    },
    async () => {
      if (client) await closeClient(client);
      await server?.stop();
    },
  );
});
