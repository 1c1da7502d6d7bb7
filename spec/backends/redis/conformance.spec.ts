import { describeConformance } from '../../conformance/suite';
import { redisFixture, useRedis } from './support';

describe('redis backend @integration', function () {
  const redis = useRedis();
  describeConformance('redis @integration', async () => redisFixture(redis.client(), redis.client()));
});
