import type Redis from 'ioredis';
import { backends } from '../../../lib';
import { describeConformance } from '../../conformance/suite';
import { runPrefix, useRedis } from './support';

describe('redis backend @integration', function () {
  const redis = useRedis();
  let raw: Redis;

  describeConformance('redis @integration', async () => {
    const client = redis.client();
    raw = redis.client();
    return {
      backend: backends.REDIS,
      client,
      forceDelete: async (key) => {
        await raw.del(key);
      },
      fencing: true,
      releaseNotification: true,
      serverExpirySlack: 0,
      prefix: `${runPrefix()}-`,
    };
  });
});
