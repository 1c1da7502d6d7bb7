/**
 * A consumer whose subscription is tied to its injector's lifetime, as a component's or a
 * request-scoped service's would be: `takeUntilDestroyed(destroyRef)` unsubscribes when the
 * injector that created it is destroyed, and unsubscribing from `ReportService.generate()`
 * releases the report's lock. Nobody has to remember to release anything.
 */
import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { ReportService, type ReportProgress } from './report.service';

/**
 * Follows one report. Create it in an injection context (as a provider of a child injector,
 * or with `runInInjectionContext`): its `DestroyRef` is that injector.
 *
 * @example
 * ```ts
 * const scope = Injector.create({ providers: [ReportConsumer], parent: app });
 * scope.get(ReportConsumer).open('q3');
 * scope.destroy(); // unsubscribes, so the lock is released
 * ```
 */
@Injectable()
export class ReportConsumer {
  private readonly reports = inject(ReportService);
  private readonly destroyRef = inject(DestroyRef);

  /** The latest progress, as a template would bind it (signals need no zone.js). */
  readonly progress = signal<ReportProgress | null>(null);
  /** Set when the stream failed (e.g. `LockLostError`, `LockTimeoutError`). */
  readonly failure = signal<unknown>(null);
  /** Set once the subscription is over: completed, failed, or cut by the destroyed injector. */
  readonly closed = signal(false);

  /** Starts generating the report; the subscription lives until this consumer's injector dies. */
  open(id: string): void {
    this.reports
      .generate(id)
      // Explicit DestroyRef: works outside the constructor too (open() is called later).
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (p) => this.progress.set(p),
        error: (err: unknown) => {
          this.failure.set(err);
          this.closed.set(true);
        },
        complete: () => this.closed.set(true),
      });
  }
}
