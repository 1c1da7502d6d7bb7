/**
 * The ioredis majors the peer range allows (`^5.9.3 || ^6.0.0`), as the Redis specs use them:
 * `ioredis` is 6, `ioredis5` is 5 (an aliased dev dependency). Specs that depend on client
 * behaviour take one of these, so the same cases run on both majors.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis6, { Cluster as Cluster6 } from 'ioredis';
import Redis5, { Cluster as Cluster5 } from 'ioredis5';

/** One installed ioredis major. */
export interface IoredisVersion {
  /** For test titles: `ioredis 6`. */
  readonly label: string;
  /** The installed version, e.g. `5.9.3` (read from its package.json). */
  readonly version: string;
  /** The module name that loads it (`ioredis` or `ioredis5`). */
  readonly moduleName: string;
  /**
   * Its `Redis` class. Typed as ioredis 6's: the specs use only members both majors have, and
   * the library types its `client` option with ioredis 6's types (a 5 client is passed as is).
   */
  readonly Redis: typeof Redis6;
  /** Its `Cluster` class (typed like {@link Redis}). */
  readonly Cluster: typeof Cluster6;
}

/** The version in `node_modules/<moduleName>/package.json`, found as `require` would find the module. */
function versionOf(moduleName: string): string {
  // Not `require('<name>/package.json')`: a package's exports map may hide it.
  for (const dir of require.resolve.paths(moduleName) ?? []) {
    const manifest = join(dir, moduleName, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  throw new Error(`${moduleName} is not installed`);
}

export const IOREDIS_6: IoredisVersion = {
  label: 'ioredis 6',
  version: versionOf('ioredis'),
  moduleName: 'ioredis',
  Redis: Redis6,
  Cluster: Cluster6,
};

export const IOREDIS_5: IoredisVersion = {
  label: 'ioredis 5',
  version: versionOf('ioredis5'),
  moduleName: 'ioredis5',
  Redis: Redis5 as unknown as typeof Redis6,
  Cluster: Cluster5 as unknown as typeof Cluster6,
};
