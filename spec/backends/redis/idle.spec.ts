import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { useRedis } from './support';

const run = promisify(execFile);

/**
 * A client the library owns (the default client) must let the process exit once idle, even
 * when nobody calls closeDefaultClients(); a user's client stays the user's business.
 */
describe('redis connections the library owns @integration', function () {
  this.timeout(30_000);
  const redis = useRedis();

  const child = (url: string, owns: boolean, extra = '', timeoutMs = 15_000) =>
    run(
      process.execPath,
      [
        '-r',
        'ts-node/register',
        '-e',
        `
        const Redis = require('ioredis').default;
        const { RedisDriver } = require('./lib/backends/redis/driver');
        (async () => {
          const client = new Redis(${JSON.stringify(url)}, { disconnectTimeout: 100 });
          client.on('error', () => undefined);
          const driver = new RedisDriver(client, { ownsClient: ${owns} });
          const t = { name: 'idle', key: 'idle-' + process.pid, token: 'x'.repeat(32), expire: 10000 };
          const got = await driver.tryAcquire(t);
          ${extra}
          console.log(JSON.stringify({ acquired: got.acquired, released: await driver.release(t) }));
        })();
        `,
      ],
      { env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' }, timeout: timeoutMs },
    );

  it('lets the process exit on its own after using an owned client', async function () {
    // A child that does not exit by itself is killed by its timeout, which rejects here.
    const { stdout } = await child(redis.url, true);
    expect(JSON.parse(stdout)).to.deep.equal({ acquired: true, released: true });
  });

  it('lets the process exit after an owned client lost and regained its connection', async function () {
    const { stdout } = await child(
      redis.url,
      true,
      // The kill is sent outside the driver, so a timer keeps the child alive meanwhile.
      `const keep = setInterval(() => undefined, 1000);
       await client.call('CLIENT', 'KILL', 'TYPE', 'normal').catch(() => undefined);
       await new Promise((r) => setTimeout(r, 200));
       clearInterval(keep);`,
    );
    expect(JSON.parse(stdout)).to.deep.equal({ acquired: true, released: true });
  });

  it('keeps a user client referenced (the user closes it), which the timeout then kills', async function () {
    const err = await child(redis.url, false, '', 6_000).catch((e: { killed?: boolean }) => e);
    expect((err as { killed?: boolean }).killed).to.equal(true);
  });
});
