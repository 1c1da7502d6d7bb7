import { debuglog } from 'node:util';
import type { LockEvent } from './events';

/**
 * Debug logging, off by default; enable with `NODE_DEBUG=sherlock-rx`. Every lock event is
 * logged as one line (see `emitEvent`); the few direct calls left are for background work that
 * is no event and has nobody to report to (a failed stale-grant withdrawal, say).
 */
export const debug = debuglog('sherlock-rx');

/** Characters of an owner token shown in logs and messages: enough to correlate, too few to use. */
const TOKEN_PREFIX = 6;

/**
 * An owner token shortened for logs: a token is a capability (whoever has it can release the
 * lock), so it is never written out in full.
 */
export function redactToken(token: string): string {
  return `${token.slice(0, TOKEN_PREFIX)}…`;
}

/**
 * One event as one log line: `<type> "<name>" key=... owner=abc123… field=value ...`, strings
 * and error messages JSON-quoted (so a newline in a message cannot split the line).
 */
export function formatEvent(event: LockEvent): string {
  const { type, name, at: _at, ...rest } = event;
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${formatValue(v)}`);
  return [type, JSON.stringify(name), ...fields].join(' ');
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /^[\w.:/@#…-]+$/u.test(value) ? value : JSON.stringify(value);
  // Durations to a tenth of a millisecond: the event itself keeps the full precision.
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Math.round(value * 10) / 10);
  return String(value);
}
