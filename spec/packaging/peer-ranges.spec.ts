/**
 * The peer ranges in package.json promise exactly what the specs test: each client library the
 * specs run on is installed as a dev dependency, satisfies its peer range, and the range admits
 * no major (ioredis) or minor (memjs and etcd3, whose internals the backends rely on) that no
 * spec runs on. Without this, a range could be widened, or a dev dependency bumped, silently.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

const ROOT = join(__dirname, '..', '..');

interface Manifest {
  name: string;
  version: string;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const readManifest = (file: string): Manifest => JSON.parse(readFileSync(file, 'utf8')) as Manifest;

/** The package.json of the module `require(moduleName)` loads from the project root. */
function installed(moduleName: string): Manifest {
  // Not require('<name>/package.json'): a package's exports map may hide it.
  for (const dir of require.resolve.paths(moduleName) ?? []) {
    if (!dir.startsWith(ROOT)) continue;
    const file = join(dir, moduleName, 'package.json');
    if (existsSync(file)) return readManifest(file);
  }
  throw new Error(`${moduleName} is not installed`);
}

/** How finely a peer range must match the tested versions. */
type Granularity = 'major' | 'minor';

/** What the range of one peer dependency must cover: the versions the specs run on. */
interface TestedPeer {
  readonly peer: string;
  /** The dev dependencies (module names) the specs load it by. */
  readonly modules: readonly string[];
  readonly granularity: Granularity;
}

const TESTED: readonly TestedPeer[] = [
  // ioredis5.spec.ts runs the Redis backend on `ioredis5`, every other Redis spec on `ioredis`.
  { peer: 'ioredis', modules: ['ioredis', 'ioredis5'], granularity: 'major' },
  { peer: 'memjs', modules: ['memjs'], granularity: 'minor' },
  { peer: 'etcd3', modules: ['etcd3'], granularity: 'minor' },
  { peer: 'node-zookeeper-client', modules: ['node-zookeeper-client'], granularity: 'minor' },
  // spec/nestjs runs the NestJS module on these.
  { peer: '@nestjs/common', modules: ['@nestjs/common'], granularity: 'major' },
  { peer: '@nestjs/core', modules: ['@nestjs/core'], granularity: 'major' },
  { peer: 'reflect-metadata', modules: ['reflect-metadata'], granularity: 'minor' },
];

/**
 * What is wrong with `range` for the `tested` versions, or nothing: each tested version must
 * satisfy it, and the versions it admits must be exactly the tested majors (or minors), no
 * other: `^5.9.3 || ^6.0.0` for 5.9.3 and 6.0.0 by major; `~1.3.2` for 1.3.2 by minor.
 */
export function peerRangeProblems(range: string, tested: readonly string[], granularity: Granularity): string[] {
  if (semver.validRange(range) === null) return [`"${range}" is not a valid range`];
  const problems: string[] = [];
  const bucketOf = (v: string): string =>
    granularity === 'major' ? `${semver.major(v)}.x` : `${semver.major(v)}.${semver.minor(v)}.x`;
  const buckets = [...new Set(tested.map(bucketOf))];
  for (const v of tested) {
    if (!semver.satisfies(v, range)) problems.push(`the tested version ${v} does not satisfy "${range}"`);
  }
  // includePrerelease: a range that admits 7.0.0-beta admits an untested 7.
  if (!semver.subset(range, buckets.join(' || '), { includePrerelease: true })) {
    problems.push(`"${range}" admits versions outside the tested ${granularity === 'major' ? 'majors' : 'minors'} ${buckets.join(', ')}`);
  }
  return problems;
}

describe('peer ranges (package.json)', function () {
  const manifest = readManifest(join(ROOT, 'package.json'));
  const peers = manifest.peerDependencies ?? {};
  const dev = manifest.devDependencies ?? {};

  for (const { peer, modules, granularity } of TESTED) {
    it(`${peer}: "${peers[peer]}" covers exactly the tested ${granularity}s of ${modules.join(', ')}`, function () {
      const range = peers[peer];
      expect(range, `peerDependencies.${peer}`).to.be.a('string');
      const versions = modules.map((m) => {
        expect(dev[m], `devDependencies.${m}`).to.be.a('string');
        const got = installed(m);
        // `ioredis5` is `npm:ioredis@5.x`: the real package under another name.
        expect(got.name, `node_modules/${m}`).to.equal(peer);
        return got.version;
      });
      expect(peerRangeProblems(range!, versions, granularity)).to.deep.equal([]);
    });
  }

  it('ioredis and ioredis5 are the majors 6 and 5, as the Redis specs assume (ioredis5.spec.ts)', function () {
    const majors = ['ioredis', 'ioredis5'].map((m) => semver.major(installed(m).version));
    expect(majors).to.deep.equal([6, 5]);
  });

  describe('the check itself', function () {
    it('accepts the ranges it is meant to accept', function () {
      expect(peerRangeProblems('^5.9.3 || ^6.0.0', ['6.0.0', '5.9.3'], 'major')).to.deep.equal([]);
      expect(peerRangeProblems('~1.3.2', ['1.3.2'], 'minor')).to.deep.equal([]);
    });

    it('refuses a range that admits an untested major or minor', function () {
      expect(peerRangeProblems('^5.9.3 || ^6.0.0 || ^7.0.0', ['6.0.0', '5.9.3'], 'major')).to.have.length(1);
      expect(peerRangeProblems('>=5.9.3', ['6.0.0', '5.9.3'], 'major')).to.have.length(1);
      expect(peerRangeProblems('^4.0.0 || ^5.9.3 || ^6.0.0', ['6.0.0', '5.9.3'], 'major')).to.have.length(1);
      expect(peerRangeProblems('^1.3.2', ['1.3.2'], 'minor')).to.have.length(1);
      expect(peerRangeProblems('^5.9.3 || >=6.0.0 <7.0.0-beta.1', ['6.0.0', '5.9.3'], 'major')).to.have.length(1);
    });

    it('refuses a range that a tested version does not satisfy', function () {
      expect(peerRangeProblems('^6.0.0', ['6.0.0', '5.9.3'], 'major')).to.deep.equal([
        'the tested version 5.9.3 does not satisfy "^6.0.0"',
      ]);
      expect(peerRangeProblems('~1.3.3', ['1.3.2'], 'minor')).to.have.length(1);
      expect(peerRangeProblems('not a range', ['1.3.2'], 'minor')).to.have.length(1);
    });
  });
});
