/**
 * The package as users get it: `npm pack`, then the tarball installed into fresh projects in a
 * temporary directory, each with only the client library it uses (from the same versions this
 * repository locks, so npm's cache answers), each running locks on the memory backend and on
 * one real server started by the harness. Proves the exports map, the CommonJS and ESM faces,
 * the published declarations under strict TypeScript (nodenext and bundler resolution, no
 * skipLibCheck) and the error for a missing client library.
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { etcdAvailable, startEtcd, type EtcdServer } from '../support/servers/etcd';
import { memcachedAvailable, startMemcached, type MemcachedServer } from '../support/servers/memcached';
import { redisAvailable, startRedis, type RedisServer } from '../support/servers/redis';

const root = resolve(__dirname, '../..');
const fixtures = join(__dirname, 'consumers');

/** `name@version` of a package as this repository has it installed (`alias` for npm aliases). */
function locked(name: string, installedAs = name): string {
  const pkg = JSON.parse(readFileSync(join(root, 'node_modules', installedAs, 'package.json'), 'utf8')) as { version: string };
  return `${name}@${pkg.version}`;
}

interface Consumer {
  readonly name: string;
  readonly type: 'commonjs' | 'module';
  readonly deps: string[];
  /** The command that checks the project, before it runs. */
  readonly compile?: string[];
  readonly run: string[];
  readonly expectOk: string[];
}

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 180_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}, ${r.signal ?? 'no signal'}) in ${cwd}:\n${out}`);
  return out;
}

describe('packaging: the tarball in fresh consumer projects @integration', function () {
  this.timeout(300_000);
  let work: string;
  let tarball: string;
  let redis: RedisServer | undefined;
  let memcached: MemcachedServer | undefined;
  let etcd: EtcdServer | undefined;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    if (!redisAvailable() || !memcachedAvailable() || !etcdAvailable()) return this.skip();
    work = mkdtempSync(join(tmpdir(), 'sherlock-rx-consumers-'));
    execFileSync('npm', ['pack', '--pack-destination', work], { cwd: root, stdio: 'pipe' });
    tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    redis = await startRedis();
    memcached = await startMemcached();
    etcd = await startEtcd();
    env = { ...process.env, REDIS_URL: redis.url, MEMCACHED_URL: memcached.address, ETCD_URL: etcd.url };
  });

  after(async () => {
    await redis?.close();
    await memcached?.close();
    await etcd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const typescript = [locked('typescript'), locked('@types/node')];
  const consumers: Consumer[] = [
    {
      name: 'cjs',
      type: 'commonjs',
      deps: [locked('rxjs'), locked('ioredis')],
      run: ['node', 'index.js'],
      expectOk: ['memory lock', 'run() releases after the work', 'redis lock', 'missing memjs is a LockConfigurationError', 'exports map hides internals'],
    },
    {
      name: 'esm',
      type: 'module',
      deps: [locked('rxjs'), locked('memjs')],
      run: ['node', 'index.mjs'],
      expectOk: ['one copy for import and require', 'memory lock', 'memcached lock', 'missing etcd3 is a LockConfigurationError', 'exports map hides internals'],
    },
    {
      name: 'ts-nodenext',
      type: 'module',
      deps: [locked('rxjs'), locked('etcd3'), ...typescript],
      compile: ['npx', 'tsc', '-p', 'tsconfig.json'],
      run: ['node', 'out/main.js'],
      expectOk: ['memory lock with await using', 'etcd lock with await using'],
    },
    {
      name: 'ts-bundler',
      type: 'module',
      deps: [locked('rxjs'), locked('ioredis', 'ioredis5'), ...typescript],
      compile: ['npx', 'tsc', '-p', 'tsconfig.json'],
      run: ['node', 'out/main.js'],
      expectOk: ['memory lock through acquire$()', 'redis lock (ioredis 5) through withLock'],
    },
  ];

  it('has types that resolve for every entry under node10, node16 (CJS and ESM) and bundler (arethetypeswrong)', () => {
    const out = sh('npx', ['attw', tarball, '--format', 'json'], root);
    const report = JSON.parse(out.slice(out.indexOf('{'))) as { analysis: { problems: unknown[]; entrypoints: Record<string, unknown> } };
    expect(Object.keys(report.analysis.entrypoints).sort()).to.deep.equal(
      ['.', './backend', './etcd', './file', './memcached', './memory', './nestjs', './package.json', './redis', './zookeeper'],
    );
    expect(report.analysis.problems).to.deep.equal([]);
  });

  for (const c of consumers) {
    it(`${c.name}: installs with ${c.deps.filter((d) => !d.startsWith('typescript') && !d.startsWith('@types')).join(', ')} and runs`, () => {
      const dir = join(work, c.name);
      cpSync(join(fixtures, c.name), dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${c.name}`, private: true, type: c.type }));
      sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', tarball, ...c.deps], dir);
      // Only the client this project asked for: the others must not have come along.
      for (const other of ['ioredis', 'memjs', 'etcd3', 'node-zookeeper-client', '@types/memjs']) {
        const asked = c.deps.some((d) => d.startsWith(`${other}@`));
        let present = true;
        try {
          readFileSync(join(dir, 'node_modules', other, 'package.json'));
        } catch {
          present = false;
        }
        expect(present, `${other} installed in ${c.name}`).to.equal(asked);
      }
      if (c.compile) sh(c.compile[0]!, c.compile.slice(1), dir);
      const out = sh(c.run[0]!, c.run.slice(1), dir, env);
      const oks = out.split('\n').filter((l) => l.startsWith('OK ')).map((l) => l.slice(3));
      expect(oks).to.deep.equal(c.expectOk);      if (c.name === 'cjs') {
        // The bin as npm links it: compiled JS with its shebang, no ts-node at run time.
        const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
        expect(sh('npx', ['--no-install', 'sherlock-rx', '--version'], dir).trim()).to.equal(version);
        const free = spawnSync('npx', ['--no-install', 'sherlock-rx', 'locked', 'cli-job', '--backend', 'redis'], { cwd: dir, env, encoding: 'utf8' });
        expect(free.status, `${free.stdout}${free.stderr}`).to.equal(1);
      }
    });
  }
});
