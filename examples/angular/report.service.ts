/**
 * A server-side Angular service (SSR or a Node BFF) that exposes lock-guarded work as
 * Observables: whoever subscribes holds the report's lock for as long as the subscription
 * lives, and unsubscribing (directly, or through `takeUntilDestroyed`) releases it.
 *
 * `@Injectable()` with an explicit provider in `main.ts`; in an Angular CLI application you
 * would write `@Injectable({ providedIn: 'root' })` instead (the root scope exists only under
 * `bootstrapApplication`). The class has no constructor parameters and takes its dependencies
 * with `inject()`, so it needs no decorator metadata.
 */
import { Injectable, InjectionToken, inject } from '@angular/core';
import { interval, map, take, type Observable } from 'rxjs';
import { MemoryLock, MemoryStore, withLock, type Lock } from '../../lib';

/**
 * The lock store the service uses. A token rather than a global so that each application
 * (and each test) gets its own keyspace; with Redis this would provide the shared client.
 */
export const LOCK_STORE = new InjectionToken<MemoryStore>('sherlock-rx lock store');

/** One step of a report being generated. */
export interface ReportProgress {
  readonly id: string;
  /** How many chunks are done (1-based). */
  readonly chunk: number;
  /** The grant's fencing token: pass it to the storage the report is written to. */
  readonly fencingToken: number | bigint | undefined;
}

/** Milliseconds between chunks: slow enough that a report outlives the lock's TTL. */
const CHUNK_INTERVAL = 50;

/**
 * Generates reports so that at most one generation per report id runs at a time, across
 * every process that shares the lock store.
 *
 * @example
 * ```ts
 * const reports = inject(ReportService);
 * reports.generate('q3').pipe(takeUntilDestroyed()).subscribe((p) => console.log(p.chunk));
 * ```
 */
@Injectable()
export class ReportService {
  private readonly store = inject(LOCK_STORE);

  /**
   * A cold Observable: nothing happens until it is subscribed; then it waits for the report's
   * lock, emits progress while holding it, and releases it when it completes, errors or is
   * unsubscribed. A lost lock stops the work and errors with `LockLostError`.
   */
  generate(id: string, chunks = 1_000): Observable<ReportProgress> {
    return withLock(this.lockFor(id), (handle) =>
      interval(CHUNK_INTERVAL).pipe(
        take(chunks),
        map((i) => ({ id, chunk: i + 1, fencingToken: handle.fencingToken })),
      ),
    );
  }

  /** Whether anyone (this process or another) holds the report's lock. */
  isLocked(id: string): Promise<boolean> {
    return this.lockFor(id).locked();
  }

  /** The lock name of a report, for logs and lock events. */
  lockName(id: string): string {
    return `report-${id}`;
  }

  /**
   * A fresh instance per call: `acquire$()` gives each subscription its own grant, and a
   * `Lock` is cheap. Renewed every ~expire/3 ms, so a long report keeps its 1 s lease; if the
   * process dies the lease lapses within a second and another instance can take over.
   */
  private lockFor(id: string): Lock {
    return new MemoryLock(this.lockName(id), { client: this.store, expire: 1_000, autoRenew: true, timeout: 10_000 });
  }
}
