import { describeConformance } from '../../conformance/suite';
import { MemoryStore, backends } from '../../../lib';

describe('memory backend', function () {
  let store: MemoryStore;
  describeConformance('memory', async () => {
    store = new MemoryStore();
    return {
      backend: backends.MEMORY,
      client: store,
      forceDelete: async (key) => store.forceDelete(key),
      fencing: true,
      releaseNotification: true,
      serverExpirySlack: 0,
      prefix: 'mem-',
    };
  });
});
