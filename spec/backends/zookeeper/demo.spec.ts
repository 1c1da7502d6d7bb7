/**
 * `npm run demo -- --backend zookeeper` against the harness's server, named by ZOOKEEPER_URL
 * (the variable the tests read): it exits 0 with no overlap and increasing fencing tokens, and
 * its lock node is on the harness server (so it used the server it was pointed at).
 */
import { execFile } from 'node:child_process';
import { expect } from 'chai';
import { childrenOf, useZooKeeper } from './support';

describe('npm run demo -- --backend zookeeper @integration', function () {
  this.timeout(60_000);
  const zk = useZooKeeper();

  it('reads ZOOKEEPER_URL, exits 0 with no overlap and increasing fencing tokens', async function () {
    const { pid, stdout } = await new Promise<{ pid: number; stdout: string }>((resolve, reject) => {
      const child = execFile(
        process.execPath,
        ['-r', 'ts-node/register', 'examples/demo.ts', '--backend', 'zookeeper', '--workers', '3', '--rounds', '2'],
        { env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', ZOOKEEPER_URL: zk.connectionString }, timeout: 50_000, killSignal: 'SIGKILL' },
        (err, out, stderr) => (err ? reject(new Error(`the demo failed (${err.message}):\n${out}\n${stderr}`)) : resolve({ pid: child.pid!, stdout: out })),
      );
    });
    expect(stdout).to.match(/Summary: 6 grants in \d+ ms, overlapping holders: 0, fencing tokens strictly increasing: true/);
    // The lock node is left in place (as kazoo does), empty: the demo's sessions are closed.
    const root = await childrenOf(await zk.client(), '/');
    expect(root).to.include(`demo-${pid}`);
    expect(await childrenOf(await zk.client(), `/demo-${pid}`)).to.deep.equal([]);
  });
});
