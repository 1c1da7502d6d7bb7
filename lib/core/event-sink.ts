import type { LockContext } from './lock-context';
import { allLockEvents, type LockEvent, type LockEventBase } from './events';
import { debug, formatEvent, redactToken } from './debug';

/** The fields of one event type beyond those every event carries. */
export type LockEventFields = LockEvent extends infer E ? (E extends LockEvent ? Omit<E, keyof LockEventBase> : never) : never;

/**
 * Whether anyone listens to the events of `ctx`: the lock's own stream, the library-wide
 * stream or `NODE_DEBUG=sherlock-rx`. Emitters check this before building an event, so that
 * events cost one property read per emission point when nobody listens.
 */
export function eventsWanted(ctx: LockContext): boolean {
  return allLockEvents.observed || ctx.events?.observed === true || debugEnabled();
}

let debugOn: boolean | undefined;
/** `debug.enabled`, read once: NODE_DEBUG is fixed at startup, and the getter showed in profiles. */
function debugEnabled(): boolean {
  return (debugOn ??= debug.enabled);
}

/**
 * Emits one event of the acquisition owning `token` on the lock's stream, the library-wide
 * stream and the debug log (one line, built from the same object so the two cannot disagree).
 */
export function emitEvent(ctx: LockContext, token: string, fields: LockEventFields): void {
  // `type` first, so that a printed event reads in order.
  const event = Object.assign(
    { type: fields.type, name: ctx.name, backend: ctx.backend, key: ctx.key, at: Date.now(), owner: redactToken(token) },
    fields,
  ) as LockEvent;
  ctx.events?.next(event);
  allLockEvents.next(event);
  if (debug.enabled) {
    // An error message from a client could quote the request; the token never leaves in full.
    debug('%s', formatEvent(event).split(token).join(redactToken(token)));
  }
}
