import { expect } from 'chai';
import { etcdAvailable, startEtcd, type EtcdServer } from '../support/servers/etcd';
import { etcdctlLock, hasEtcdctl, type EtcdctlLock } from '../backends/etcd/support';
import { buildCli, cli, cliResult, scratchFile, until } from './support';

/**
 * `sherlock-rx run --backend etcd` and `etcdctl lock` (Go's concurrency.Mutex) on one name
 * exclude each other both ways: without a namespace, the lock name is etcdctl's lock name.
 */
describe('sherlock-rx CLI on etcd, against etcdctl lock @integration', function () {
  this.timeout(60_000);
  let bin: string;
  let etcd: EtcdServer | undefined;
  const ctls: EtcdctlLock[] = [];
  const files: Array<ReturnType<typeof scratchFile>> = [];
  let n = 0;
  const lockName = () => `cli-etcd-${process.pid}-${++n}`;

  before(async function () {
    this.timeout(120_000);
    if (!etcdAvailable()) this.skip();
    if (!hasEtcdctl()) {
      if (process.env.CI === 'true') throw new Error('etcdctl is not installed: CI must install etcd-client');
      console.warn('\n  !!! SKIPPING CLI etcdctl interop tests: etcdctl is not installed (Debian package etcd-client).\n');
      this.skip();
    }
    [bin, etcd] = await Promise.all([buildCli(), startEtcd()]);
  });
  after(async function () {
    await etcd?.stop();
  });
  afterEach(async function () {
    await Promise.all(ctls.splice(0).map((c) => c.stop()));
    files.splice(0).forEach((f) => f.remove());
  });

  const env = () => ({ SHERLOCK_BACKEND: 'etcd', ETCD_URL: etcd!.url });
  const ctl = (name: string, command: string[] = []) => {
    const c = etcdctlLock(etcd!.url, name, command);
    ctls.push(c);
    return c;
  };

  it('waits while etcdctl holds the lock (and --no-wait gives up), then runs once etcdctl unlocks', async function () {
    const name = lockName();
    const holder = ctl(name);
    expect(await holder.held).to.match(new RegExp(`^${name}/[0-9a-f]+$`));
    expect((await cliResult(bin, ['locked', name], env())).code).to.equal(0);
    const busy = await cliResult(bin, ['run', '--no-wait', name, '--', 'true'], env());
    expect(busy.code).to.equal(75);

    const log = scratchFile();
    files.push(log);
    const run = cli(bin, ['run', name, '--', 'sh', '-c', `echo ran >> ${log.path}`], env());
    await until(() => run.stderr().includes('waiting for lock'), 'the CLI to wait');
    expect(log.lines()).to.deep.equal([]);
    await holder.stop();
    expect(await run.exited).to.equal(0);
    expect(log.lines()).to.deep.equal(['ran']);
    expect((await cliResult(bin, ['locked', name], env())).code).to.equal(1);
  });

  it('makes etcdctl wait while the CLI runs its command', async function () {
    const name = lockName();
    const log = scratchFile();
    files.push(log);
    const run = cli(bin, ['run', name, '--', 'sh', '-c', `echo start >> ${log.path}; sleep 1; echo end >> ${log.path}`], env());
    await until(() => log.lines().includes('start'), 'the command to start');
    // etcdctl's own flags end at "--" (it would take sh's -c for its own).
    const waiter = ctl(name, ['--', 'sh', '-c', `echo etcdctl >> ${log.path}; echo got-it`]);
    expect(await waiter.held).to.equal('got-it');
    expect(await run.exited).to.equal(0);
    expect(log.lines()).to.deep.equal(['start', 'end', 'etcdctl']);
  });
});
