/**
 * Small async helpers for tests.
 */
import type { Observable, Subscription } from 'rxjs';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Lets background releases and other pending callbacks run. */
export const settle = () => sleep(30);

/** Retries `check` until it stops throwing, or rethrows its last error after `timeoutMs`. */
export async function eventually(check: () => unknown, timeoutMs = 3_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(everyMs);
    }
  }
}

/** Subscribes and resolves with the first value, keeping the subscription open (unlike firstValueFrom). */
export function nextValue<T>(source: Observable<T>): Promise<{ value: T; subscription: Subscription }> {
  return new Promise((resolve, reject) => {
    let first: { value: T } | undefined;
    // Assigned after subscribe() returns; next() may run before that (a synchronous source).
    let subscription: Subscription | undefined = undefined;
    subscription = source.subscribe({
      next: (value) => {
        if (first) return;
        first = { value };
        if (subscription) resolve({ value, subscription });
      },
      error: reject,
      complete: () => {
        if (!first) reject(new Error('completed without a value'));
      },
    });
    if (first) resolve({ value: first.value, subscription });
  });
}
