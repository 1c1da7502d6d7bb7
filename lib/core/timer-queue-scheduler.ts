/**
 * An RxJS scheduler whose delays are entries of the shared {@link referencedTimers} queue.
 *
 * Given to `timeout()` on the waiting path: with RxJS's default `asyncScheduler` each waiting
 * acquisition armed its own `setInterval` for the time it had left, a different duration
 * every time, and Node keeps one timer list per duration: creating and dropping those lists
 * showed in profiles of 8 tasks taking turns on one lock (about 0.1 ms of CPU per handoff).
 */
import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { referencedTimers } from './timer-queue';

/**
 * Schedules each piece of work once, `delay` ms from now, on the shared timer queue; the
 * returned subscription cancels it. Rescheduling from inside the work is not supported (the
 * operators it is given to schedule one-shot work only).
 *
 * @example
 * ```ts
 * source$.pipe(timeout({ first: 5_000, with: () => giveUp$, scheduler: timerQueueScheduler }));
 * ```
 */
export const timerQueueScheduler: SchedulerLike = {
  now: () => Date.now(),
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    const action = new Subscription(() => referencedTimers.cancel(entry)) as Subscription & SchedulerAction<T>;
    action.schedule = () => {
      throw new Error('timerQueueScheduler runs one-shot work only');
    };
    const entry = referencedTimers.schedule(delay, () => work.call(action, state));
    return action;
  },
};
