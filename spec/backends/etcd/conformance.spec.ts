import { Etcd3 } from 'etcd3';
import { backends } from '../../../lib';
import { describeConformance } from '../../conformance/suite';
import { etcdAvailable, startEtcd, type EtcdServer } from '../../support/servers/etcd';
import { runPrefix } from './support';

describe('etcd backend @integration', function () {
  let server: EtcdServer | undefined;
  let client: Etcd3 | undefined;

  describeConformance(
    'etcd @integration',
    async () => {
      if (!etcdAvailable()) throw new Error('etcd is not installed (see the loud notice above)');
      server = await startEtcd();
      client = new Etcd3({ hosts: server.url });
      const c = client;
      return {
        backend: backends.ETCD,
        client: c,
        // The lock is the prefix: delete every contender key under it, as an operator would.
        forceDelete: async (key) => void (await c.delete().prefix(`${key}/`)),
        fencing: true,
        releaseNotification: true,
        serverExpirySlack: 0,
        prefix: `${runPrefix()}-`,
      };
    },
    async () => {
      client?.close();
      await server?.stop();
    },
  );
});
