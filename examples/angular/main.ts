/**
 * Angular's dependency injection driving sherlock-rx on the memory backend, without a
 * browser and without zone.js: an application injector provides `ReportService`; each
 * consumer lives in a child injector, and destroying that injector unsubscribes the
 * consumer's stream, which releases the lock.
 *
 *   npx ts-node examples/angular/main.ts
 *
 * Angular 20 ships ES modules only; Node >= 20.19 loads them with `require()`, so ts-node's
 * CommonJS mode runs this as is.
 */
// JIT: compiles the @Injectable classes at run time (an Angular CLI app compiles them ahead of time).
import '@angular/compiler';
import { Injector, type DestroyableInjector } from '@angular/core';
import { filter, firstValueFrom } from 'rxjs';
import { MemoryStore, lockEvents$, type LockEvent } from '../../lib';
import { ReportConsumer } from './report.consumer';
import { LOCK_STORE, ReportService } from './report.service';

/** Resolves with the next event of `type` for lock `name`. Subscribe before causing it: the stream is hot. */
function nextEvent<T extends LockEvent['type']>(type: T, name: string): Promise<Extract<LockEvent, { type: T }>> {
  return firstValueFrom(lockEvents$.pipe(filter((e): e is Extract<LockEvent, { type: T }> => e.type === type && e.name === name)));
}

/** A consumer in its own child injector: the injector is the consumer's lifetime. */
interface Scoped {
  readonly label: string;
  readonly scope: DestroyableInjector;
  readonly consumer: ReportConsumer;
}

/** Opens a report in a new consumer and waits until that consumer holds the report's lock. */
async function openAndHold(app: Injector, label: string, id: string): Promise<Scoped> {
  const reports = app.get(ReportService);
  const acquired = nextEvent('acquired', reports.lockName(id));
  const scope = Injector.create({ providers: [ReportConsumer], parent: app, name: label });
  const consumer = scope.get(ReportConsumer);
  consumer.open(id);
  const { fencingToken } = await acquired;
  console.log(
    `${label}: holding ${reports.lockName(id)} (fencing token ${String(fencingToken)}), stream open = ${!consumer.closed()}; ` +
      `locked() = ${await reports.isLocked(id)}`,
  );
  return { label, scope, consumer };
}

/** Destroys a consumer's injector and waits until its grant was released at the backend. */
async function destroyAndRelease(app: Injector, { label, scope, consumer }: Scoped, id: string): Promise<void> {
  const reports = app.get(ReportService);
  const released = nextEvent('released', reports.lockName(id));
  scope.destroy();
  // takeUntilDestroyed completes the stream synchronously inside destroy(); if it did not,
  // nothing would release the lock, so say so instead of waiting forever.
  if (!consumer.closed()) throw new Error(`${label} destroyed but its stream is still open: the lock stays held`);
  await released;
  const failure = consumer.failure();
  console.log(
    `${label} destroyed: stream open = ${!consumer.closed()}, error = ${failure === null ? 'none' : String(failure)}; ` +
      `locked() = ${await reports.isLocked(id)}`,
  );
}

async function main(): Promise<void> {
  // The application injector: the root of this example (what bootstrapApplication makes in an app).
  const app = Injector.create({
    providers: [{ provide: LOCK_STORE, useValue: new MemoryStore() }, ReportService],
    name: 'app',
  });

  // The report takes ~50 s; each consumer is destroyed long before it would complete.
  await destroyAndRelease(app, await openAndHold(app, 'consumer A', 'q3'), 'q3');
  // A second consumer gets the same lock once the first one's injector is gone.
  await destroyAndRelease(app, await openAndHold(app, 'consumer B', 'q3'), 'q3');

  app.destroy();
  console.log('done');
}

main().catch((err: unknown) => {
  console.error(err);
  // Exit now: a stream left open keeps its timers (and the lock's renewal) alive.
  process.exit(1);
});
