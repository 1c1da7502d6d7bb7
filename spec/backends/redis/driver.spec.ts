import { describeRedisDriver } from './driver-suite';
import { IOREDIS_6 } from './ioredis-versions';

describeRedisDriver('redis driver @integration', IOREDIS_6);
