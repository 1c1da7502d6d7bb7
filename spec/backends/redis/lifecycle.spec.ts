import { expect } from 'chai';
import { CHILD_KILL_MS, expectCleanExit, report, runChild } from './children/run-child';
import { IOREDIS_6 } from './ioredis-versions';
import { describeOwnedClientClosing } from './owned-close-suite';
import { useRedis } from './support';

/**
 * The process-hygiene guarantees (issue 8, items 4 and 5): with the default client or a user's
 * client (closed by the user), after one acquire against a server that is up, down or stalled
 * (SIGSTOP), the process exits on its own within seconds, `await closeDefaultClients()`
 * settles, every failure reaches the caller as a LockError, and no rejection goes unhandled.
 */
describe('redis process lifecycle @integration', function () {
  this.timeout(CHILD_KILL_MS + 15_000);
  const redis = useRedis();

  const port = (): number => Number(new URL(redis.url).port);

  before(function () {
    if (!redis.server?.managed) this.skip(); // the tests stop and pause the server
  });

  afterEach(async function () {
    const server = redis.server!;
    server.resume();
    // A test that stopped the server leaves it stopped; start() of a running one would fail.
    await server.stop();
    await server.start();
  });

  for (const client of ['default', 'user'] as const) {
    for (const close of [true, false]) {
      const closing = close ? 'awaits closeDefaultClients()' : 'closes nothing but its own client';
      const ends = close ? ['closed', 'end'] : ['end'];

      it(`${client} client, server up: acquire + release, ${closing}, exits on its own`, async function () {
        const run = await runChild({ port: port(), client, op: 'acquire', stallAfterReady: false, close });
        report(`${client}/up/close=${close}`, run);
        expectCleanExit(run, ['result', ...ends]);
        expect(run.steps[0]).to.include({ acquired: true });
      });

      it(`${client} client, server down: acquire fails with a LockError, ${closing}, exits on its own`, async function () {
        await redis.server!.stop();
        const run = await runChild({ port: port(), client, op: 'acquire', stallAfterReady: false, close });
        report(`${client}/down/close=${close}`, run);
        expectCleanExit(run, ['result', ...ends]);
        expect(run.steps[0]).to.include({ lockError: true });
      });

      // Needs the core's 5000 ms bound on driver calls: without it the attempt waits as long as
      // the server stalls, and the child is killed.
      it(`${client} client, server stalled (SIGSTOP): acquire fails with a LockError, ${closing}, exits on its own`, async function () {
        const run = await runChild({ port: port(), client, op: 'acquire', stallAfterReady: true, close }, () => redis.server!.pause());
        report(`${client}/stalled/close=${close}`, run);
        expectCleanExit(run, ['ready', 'result', ...ends]);
        expect(run.steps[1]).to.include({ lockError: true });
      });
    }
  }

  // Needs the core's 5000 ms bound, like the stalled cases above.
  for (const close of [true, false]) {
    it(`default client, server stalled before the first connection: acquire fails with a LockError, ${close ? 'awaits closeDefaultClients()' : 'closes nothing'}, exits`, async function () {
      redis.server!.pause();
      const run = await runChild({ port: port(), client: 'default', op: 'acquire', stallAfterReady: false, close });
      report(`default/stalled-from-start/close=${close}`, run);
      expectCleanExit(run, ['result', ...(close ? ['closed', 'end'] : ['end'])]);
      expect(run.steps[0]).to.include({ lockError: true });
    });
  }

  it('default client, server stalled: locked() fails with a LockError, closeDefaultClients() settles, exits', async function () {
    const run = await runChild({ port: port(), client: 'default', op: 'locked', stallAfterReady: true, close: true }, () =>
      redis.server!.pause(),
    );
    report('default/stalled/locked', run);
    expectCleanExit(run, ['ready', 'result', 'closed', 'end']);
    expect(run.steps[1]).to.include({ lockError: true });
  });
});

describeOwnedClientClosing('redis owned client closing @integration', IOREDIS_6);
