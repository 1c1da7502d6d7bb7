import { expect } from 'chai';
import { Redis } from 'ioredis';
import memjs from 'memjs';
import { MemcachedLock, RedisLock } from '../../lib';
import { memcachedAvailable, startMemcached, type MemcachedServer } from '../support/servers/memcached';
import { redisAvailable, startRedis, type RedisServer } from '../support/servers/redis';
import { buildCli, cli, cliResult, scratchFile, until } from './support';

/** `sherlock-rx run` and `locked` against a real redis-server (and memcached), through the compiled bin. */
describe('sherlock-rx CLI on Redis and Memcached @integration', function () {
  this.timeout(60_000);
  let bin: string;
  let redis: RedisServer | undefined;
  let memcached: MemcachedServer | undefined;
  let raw: Redis;
  const files: Array<ReturnType<typeof scratchFile>> = [];
  const held: RedisLock[] = [];
  let n = 0;
  const lockName = () => `cli-${process.pid}-${++n}`;

  before(async function () {
    this.timeout(120_000);
    if (!redisAvailable()) this.skip();
    // The build is the slow part; the servers start meanwhile.
    [bin, redis, memcached] = await Promise.all([buildCli(), startRedis(), memcachedAvailable() ? startMemcached() : undefined]);
    raw = new Redis(redis.url);
  });
  after(async function () {
    raw?.disconnect();
    await redis?.close();
    await memcached?.close();
  });
  afterEach(async function () {
    await Promise.all(held.splice(0).map((l) => l[Symbol.asyncDispose]().catch(() => undefined)));
    files.splice(0).forEach((f) => f.remove());
  });

  const env = () => ({ SHERLOCK_BACKEND: 'redis', REDIS_URL: redis!.url });
  const file = () => {
    const f = scratchFile();
    files.push(f);
    return f;
  };
  const holdElsewhere = async (name: string) => {
    const lock = new RedisLock(name, { client: raw });
    held.push(lock);
    expect(await lock.acquire(false)).to.equal(true);
    return lock;
  };

  it('serialises two runs of one lock: the second command starts after the first one ended', async function () {
    const name = lockName();
    const log = file();
    const job = (who: string, secs: number) => ['sh', '-c', `echo "start ${who}" >> ${log.path}; sleep ${secs}; echo "end ${who}" >> ${log.path}`];
    const first = cli(bin, ['run', name, '--', ...job('A', 2)], env());
    await until(() => log.lines().includes('start A'), 'the first command to start');
    const second = cli(bin, ['run', name, '--', ...job('B', 0)], env());
    expect(await first.exited).to.equal(0);
    expect(await second.exited).to.equal(0);
    expect(log.lines()).to.deep.equal(['start A', 'end A', 'start B', 'end B']);
    // stderr is a pipe here: one line when the wait began, no in-place updates.
    expect(second.stderr()).to.equal(`sherlock-rx: waiting for lock "${name}"...\n`);
    expect(first.stderr()).to.equal('');
  });

  it('with --no-wait on a held lock, exits 75 at once without running the command', async function () {
    const name = lockName();
    await holdElsewhere(name);
    const log = file();
    const r = await cliResult(bin, ['run', '--no-wait', name, '--', 'sh', '-c', `echo ran >> ${log.path}`], env());
    expect(r.code).to.equal(75);
    expect(r.stderr).to.equal(`sherlock-rx: lock "${name}" not acquired: it is held by another owner (--no-wait).\n`);
    expect(log.lines()).to.deep.equal([]);
  });

  it('exits 75 when --timeout passes', async function () {
    const name = lockName();
    await holdElsewhere(name);
    const r = await cliResult(bin, ['run', '--timeout', '200', '--quiet', name, '--', 'true'], env());
    expect(r.code).to.equal(75);
    expect(r.stderr).to.include('not acquired within 200 ms (--timeout)');
  });

  it('stops the command when the lock is lost (key deleted), with SIGTERM, and exits 79', async function () {
    const name = lockName();
    const log = file();
    // The command acknowledges SIGTERM in the log and exits 0: the exit code must still say "lost".
    const script = `trap 'echo TERM >> ${log.path}; exit 0' TERM; echo started >> ${log.path}; while :; do sleep 0.05; done`;
    const run = cli(bin, ['run', '--expire', '600', '--kill-after', '5000', name, '--', 'sh', '-c', script], env());
    await until(() => log.lines().includes('started'), 'the command to start');
    expect(await raw.del(name)).to.equal(1);
    expect(await run.exited).to.equal(79);
    expect(log.lines()).to.deep.equal(['started', 'TERM']);
    expect(run.stderr()).to.match(new RegExp(`^sherlock-rx: lost lock "${name}" while the command ran \\(.+\\); stopping it: SIGTERM now, SIGKILL in 5000 ms\\.\\n$`));
  });

  it('SIGKILLs a command that ignores SIGTERM after --kill-after', async function () {
    const name = lockName();
    const log = file();
    const script = `trap 'echo TERM >> ${log.path}' TERM; echo started >> ${log.path}; while :; do sleep 0.05; done`;
    const run = cli(bin, ['run', '--expire', '600', '--kill-after', '300', name, '--', 'sh', '-c', script], env());
    await until(() => log.lines().includes('started'), 'the command to start');
    await raw.del(name);
    expect(await run.exited).to.equal(79);
    expect(log.lines()).to.include('TERM');
  });

  it('gives the command SHERLOCK_FENCING_TOKEN and SHERLOCK_LOCK_NAME', async function () {
    const name = lockName();
    const show = ['sh', '-c', 'echo "$SHERLOCK_LOCK_NAME $SHERLOCK_FENCING_TOKEN"'];
    const one = await cliResult(bin, ['run', name, '--', ...show], env());
    const two = await cliResult(bin, ['run', name, '--', ...show], env());
    expect(one.code).to.equal(0);
    const [n1, t1] = one.stdout.trim().split(' ');
    const [n2, t2] = two.stdout.trim().split(' ');
    expect([n1, n2]).to.deep.equal([name, name]);
    expect(t1).to.match(/^\d+$/);
    expect(BigInt(t2!) > BigInt(t1!)).to.equal(true); // fencing tokens grow with each grant
  });

  it('passes the exit code through, and releases the lock', async function () {
    const name = lockName();
    const r = await cliResult(bin, ['run', name, '--', 'sh', '-c', 'exit 7'], env());
    expect(r.code).to.equal(7);
    expect(await new RedisLock(name, { client: raw }).locked()).to.equal(false);
  });

  it('forwards SIGTERM to the command, releases the lock and exits 143', async function () {
    const name = lockName();
    const log = file();
    // The shell records the signal, then dies of it as an untrapped shell would.
    const script = `trap 'echo TERM >> ${log.path}; trap - TERM; kill -TERM $$' TERM; echo started >> ${log.path}; while :; do sleep 0.05; done`;
    const run = cli(bin, ['run', name, '--', 'sh', '-c', script], env());
    await until(() => log.lines().includes('started'), 'the command to start');
    expect(await new RedisLock(name, { client: raw }).locked()).to.equal(true);
    run.child.kill('SIGTERM');
    expect(await run.exited).to.equal(143);
    expect(log.lines()).to.deep.equal(['started', 'TERM']);
    expect(await new RedisLock(name, { client: raw }).locked()).to.equal(false);
  });

  it('stops waiting on SIGINT, without running the command, and exits 130', async function () {
    const name = lockName();
    await holdElsewhere(name);
    const log = file();
    const run = cli(bin, ['run', name, '--', 'sh', '-c', `echo ran >> ${log.path}`], env());
    await until(() => run.stderr().includes('waiting for lock'), 'the CLI to wait');
    run.child.kill('SIGINT');
    expect(await run.exited).to.equal(130);
    expect(log.lines()).to.deep.equal([]);
  });

  it('locked: exits 0 when held, 1 when free; flags win over the environment', async function () {
    const name = lockName();
    expect((await cliResult(bin, ['locked', name], env())).code).to.equal(1);
    await holdElsewhere(name);
    expect((await cliResult(bin, ['locked', name], env())).code).to.equal(0);
    const wrongEnv = { SHERLOCK_BACKEND: 'etcd', REDIS_URL: 'redis://127.0.0.1:1' };
    expect((await cliResult(bin, ['locked', '--backend', 'redis', '--url', redis!.url, name], wrongEnv)).code).to.equal(0);
  });

  it('uses the namespace from SHERLOCK_NAMESPACE or --namespace (key <namespace>_<name>)', async function () {
    const name = lockName();
    const lock = new RedisLock(name, { client: raw, namespace: 'billing' });
    held.push(lock);
    await lock.acquire();
    expect((await cliResult(bin, ['locked', name], { ...env(), SHERLOCK_NAMESPACE: 'billing' })).code).to.equal(0);
    expect((await cliResult(bin, ['locked', '--namespace', 'other', name], { ...env(), SHERLOCK_NAMESPACE: 'billing' })).code).to.equal(1);
  });

  it('exits 69 when the backend is unreachable (run and locked)', async function () {
    const down = { SHERLOCK_BACKEND: 'redis', REDIS_URL: 'redis://127.0.0.1:1' };
    const run = await cliResult(bin, ['run', 'x', '--', 'true'], down);
    expect(run.code).to.equal(69);
    expect(run.stderr).to.include('ECONNREFUSED');
    expect((await cliResult(bin, ['locked', 'x'], down)).code).to.equal(69);
  });

  describe('on Memcached', function () {
    before(function () {
      if (!memcached) this.skip();
    });

    it('runs under the lock, and stops the command when the lock is lost (key deleted)', async function () {
      const name = lockName();
      const mcEnv = { SHERLOCK_BACKEND: 'memcached', MEMCACHED_URL: memcached!.address };
      const r = await cliResult(bin, ['run', name, '--', 'sh', '-c', 'echo "$SHERLOCK_FENCING_TOKEN"; exit 3'], mcEnv);
      expect(r.code).to.equal(3);
      expect(r.stdout.trim()).to.match(/^\d+$/);

      const log = file();
      const script = `trap 'echo TERM >> ${log.path}; exit 0' TERM; echo started >> ${log.path}; while :; do sleep 0.05; done`;
      const run = cli(bin, ['run', '--expire', '600', name, '--', 'sh', '-c', script], mcEnv);
      await until(() => log.lines().includes('started'), 'the command to start');
      const client = memjs.Client.create(memcached!.address, { logger: { log: () => undefined } });
      try {
        expect(await new MemcachedLock(name, { client }).locked()).to.equal(true);
        await client.delete(name);
      } finally {
        client.close();
      }
      expect(await run.exited).to.equal(79);
      expect(log.lines()).to.deep.equal(['started', 'TERM']);
    });
  });
});
