import 'reflect-metadata';
import { expect } from 'chai';
import { Inject, Injectable } from '@nestjs/common';
import { Interval, ScheduleModule } from '@nestjs/schedule';
import { Redis } from 'ioredis';
import { filter } from 'rxjs';
import { MemoryStore, RedisLock, backends, lockEvents$, type LockEvent } from '../../lib';
import { SherlockModule, WithLock } from '../../lib/entries/nestjs';
import { startRedis, redisAvailable, type RedisServer } from '../support/servers/redis';
import { eventually, sleep } from '../support/async';
import { Test, type TestingModule } from '@nestjs/testing';
import { silentLogger } from './fixtures';

/** What every instance of the job writes down: which app ran it, and when it started and ended. */
interface Run {
  app: string;
  start: number;
  end: number;
}

const TICK_MS = 400;
/** Shorter than a tick, longer than the gap between the two apps' timers. */
const JOB_MS = 150;
const TICKS = 6;
const APP_NAME = 'APP_NAME';
const RUNS = 'RUNS';

@Injectable()
class ReportJob {
  constructor(
    @Inject(APP_NAME) private readonly app: string,
    @Inject(RUNS) private readonly runs: Run[],
  ) {}

  @Interval(TICK_MS)
  @WithLock('report-job', { blocking: false, expire: 5_000 })
  async report(): Promise<void> {
    const start = performance.now();
    await sleep(JOB_MS);
    this.runs.push({ app: this.app, start, end: performance.now() });
  }
}

/** Builds an application context (not yet initialised: the timers start on init). */
function appContext(app: string, runs: Run[], client: unknown): Promise<TestingModule> {
  return Test.createTestingModule({
    imports: [ScheduleModule.forRoot(), SherlockModule.forRoot({ backend: client instanceof MemoryStore ? backends.MEMORY : backends.REDIS, client })],
    providers: [ReportJob, { provide: APP_NAME, useValue: app }, { provide: RUNS, useValue: runs }],
  })
    .setLogger(silentLogger)
    .compile();
}

/**
 * Two instances of one app, sharing a backend, over several ticks: every tick one of them runs
 * the job and the other skips (a `timed-out` event: one attempt, busy), and runs never overlap.
 */
async function runTwoInstances(clientA: unknown, clientB: unknown): Promise<void> {
  const runs: Run[] = [];
  const events: LockEvent['type'][] = [];
  const subscription = lockEvents$.pipe(filter((e) => e.name === 'report-job')).subscribe((e) => events.push(e.type));
  const [a, b] = await Promise.all([appContext('a', runs, clientA), appContext('b', runs, clientB)]);
  try {
    await Promise.all([a.init(), b.init()]);
    await eventually(() => expect(runs).to.have.length.of.at.least(TICKS), TICK_MS * (TICKS + 15));
  } finally {
    await Promise.all([a.close(), b.close()]);
    subscription.unsubscribe();
  }
  const sorted = [...runs].sort((x, y) => x.start - y.start);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i].start, `run ${i} overlaps run ${i - 1}`).to.be.at.least(sorted[i - 1].end);
  const count = (type: string) => events.filter((t) => t === type).length;
  expect(count('acquired'), 'runs').to.equal(runs.length);
  // Each tick: one instance acquired, the other found it busy and skipped.
  expect(count('timed-out'), 'skips').to.equal(count('acquired'));
  expect(count('acquiring'), 'attempts').to.equal(2 * count('acquired'));
}

describe('nestjs: scheduled jobs run once per tick across instances', function () {
  this.timeout(20_000);

  it('on a shared MemoryStore', async function () {
    const store = new MemoryStore();
    await runTwoInstances(store, store);
  });

  describe('on Redis', function () {
    let server: RedisServer | undefined;
    const clients: Redis[] = [];

    before(async function () {
      if (!redisAvailable()) this.skip();
      server = await startRedis();
    });

    after(async function () {
      await Promise.all(clients.map((c) => c.quit()));
      await server?.close();
    });

    it('with one client per instance, which the apps leave open', async function () {
      clients.push(new Redis(server!.url), new Redis(server!.url));
      // Connected and scripts loaded before the first tick, as in an app that has run a while:
      // a first acquisition that takes longer than a tick would blur which tick an attempt belongs to.
      await Promise.all(clients.map((client, i) => new RedisLock(`warm-up-${i}`, { client }).run(() => undefined)));
      await runTwoInstances(clients[0], clients[1]);
      expect(clients.map((c) => c.status)).to.deep.equal(['ready', 'ready']);
    });
  });
});
