/**
 * Recipe: lock events to OpenTelemetry: a wait-time histogram, a gauge of locks held now (an
 * UpDownCounter), counters of losses and timeouts, and one span per hold (from `acquired` to
 * `released` or `lost`). `instrumentLocks` needs only `@opentelemetry/api`; `main` wires the
 * SDK's in-memory exporters so the recipe prints what it recorded. In an application, pass the
 * meter and tracer of your own providers (OTLP exporters and so on).
 *
 *   npx ts-node examples/observability/opentelemetry.ts
 *
 * sherlock-rx itself does not depend on OpenTelemetry: the recipe's packages are yours to add.
 */
import { SpanStatusCode, type Attributes, type Meter, type Span, type Tracer } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Subscription } from 'rxjs';
import { MemoryLock, MemoryStore, lockEvents$, type LockEvent } from '../../lib';

/** Subscribes to every lock's events and records them; unsubscribe to stop. */
export function instrumentLocks(meter: Meter, tracer: Tracer): Subscription {
  const waitTime = meter.createHistogram('lock.wait.duration', { unit: 'ms', description: 'Time from acquiring to acquired' });
  const held = meter.createUpDownCounter('lock.held', { description: 'Locks held now' });
  const lost = meter.createCounter('lock.lost', { description: 'Locks lost while held' });
  const timedOut = meter.createCounter('lock.timeouts', { description: 'Acquisitions that gave up' });
  // One span per hold, found again by key and owner prefix (an acquisition's events share both).
  const holds = new Map<string, Span>();
  const holdOf = (e: LockEvent) => `${e.backend} ${e.key} ${e.owner}`;
  const attributes = (e: LockEvent): Attributes => ({ 'lock.name': e.name, 'lock.backend': e.backend });
  const endHold = (e: LockEvent, end: (span: Span) => void) => {
    const span = holds.get(holdOf(e));
    if (!span) return;
    holds.delete(holdOf(e));
    held.add(-1, attributes(e));
    end(span);
    span.end(e.at);
  };

  return lockEvents$.subscribe((e) => {
    switch (e.type) {
      case 'acquired':
        waitTime.record(e.waitMs, attributes(e));
        held.add(1, attributes(e));
        holds.set(
          holdOf(e),
          tracer.startSpan('lock.hold', {
            startTime: e.at,
            attributes: { ...attributes(e), 'lock.key': e.key, 'lock.owner': e.owner, 'lock.wait_ms': e.waitMs, 'lock.attempts': e.attempts },
          }),
        );
        break;
      case 'released':
        endHold(e, (span) => span.setAttribute('lock.held_ms', e.heldMs));
        break;
      case 'lost':
        lost.add(1, attributes(e));
        endHold(e, (span) => {
          span.setAttribute('lock.held_ms', e.heldMs);
          span.recordException(e.error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: e.reason });
        });
        break;
      case 'backend-error':
        // A failed release ends the hold too (whether the server still has it is unknown).
        if (e.operation === 'release') endHold(e, (span) => span.setStatus({ code: SpanStatusCode.ERROR, message: e.error.message }));
        break;
      case 'timed-out':
        timedOut.add(1, attributes(e));
        break;
    }
  });
}

/** A reader collected by hand (no timer): `collect()` when the numbers are wanted. */
class ManualReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function main(): Promise<void> {
  const reader = new ManualReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const subscription = instrumentLocks(meterProvider.getMeter('locks'), tracerProvider.getTracer('locks'));
  // Counted apart from the instruments, so the output can be checked against them.
  let grants = 0;
  const counting = lockEvents$.subscribe((e) => (grants += e.type === 'acquired' ? 1 : 0));

  // Three workers take one lock twice each (six grants, most after a wait) ...
  const store = new MemoryStore();
  const worker = async () => {
    const lock = new MemoryLock('invoice-run', { client: store, expire: 10_000 });
    for (let round = 0; round < 2; round++) await lock.run(() => new Promise((r) => setTimeout(r, 20)));
  };
  await Promise.all([worker(), worker(), worker()]);
  // ... one more is held and deleted by force (a loss) ...
  const doomed = new MemoryLock('doomed', { client: store, expire: 10_000 });
  const handle = await doomed.hold();
  store.forceDelete(doomed.key);
  await handle.release().catch(() => undefined);
  // ... and one stays held while the numbers are read.
  const open = await new MemoryLock('still-held', { client: store }).hold();
  // A single attempt on it gives up at once (a timeout).
  await new MemoryLock('still-held', { client: store }).acquire(false);

  const { resourceMetrics } = await reader.collect();
  const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  const points = (name: string) => metrics.find((m) => m.descriptor.name === name)?.dataPoints ?? [];
  const sum = (name: string) => (points(name) as Array<DataPoint<number>>).reduce((total, p) => total + p.value, 0);
  const histogram = points('lock.wait.duration') as Array<DataPoint<Histogram>>;
  const summary = {
    grants,
    waitHistogram: { count: histogram.reduce((n, p) => n + p.value.count, 0), maxMs: Math.max(...histogram.map((p) => p.value.max ?? 0)) },
    heldNow: sum('lock.held'),
    lost: sum('lock.lost'),
    timeouts: sum('lock.timeouts'),
    spans: spans.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, status: s.status.code, error: s.status.message })),
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);

  await open.release();
  subscription.unsubscribe();
  counting.unsubscribe();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
}

void main();
