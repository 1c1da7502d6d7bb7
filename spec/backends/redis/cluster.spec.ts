import { describeRedisCluster } from './cluster-suite';
import { IOREDIS_6 } from './ioredis-versions';

describeRedisCluster('redis backend on a Redis Cluster @integration', IOREDIS_6, { conformance: true });
