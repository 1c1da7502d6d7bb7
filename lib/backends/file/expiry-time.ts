/**
 * `expiry_time` as Python sherlock writes and reads it: an ISO-8601 UTC date-time string,
 * compared with the wall clock (`now > expiry_time` means expired). Times are handled in
 * microseconds, Python's precision.
 */

/**
 * What Python writes for a lock that never expires: `datetime.max` in UTC. Any date in the
 * year 9999 is read as "never expires".
 */
export const NO_EXPIRY = '9999-12-31T23:59:59.999999+00:00';

const NO_EXPIRY_FROM_US = Date.UTC(9999, 0, 1) * 1000;

/** Wall-clock microseconds since the epoch. */
export function wallClockMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/**
 * The `expiry_time` of a lock written now for `expireMs` milliseconds (null: never expires),
 * in the form Python's `datetime.isoformat()` gives and its `fromisoformat()` reads on every
 * version (six fractional digits, `+00:00`).
 */
export function formatExpiryTime(expireMs: number | null, nowMicros: number = wallClockMicros()): string {
  if (expireMs === null) return NO_EXPIRY;
  const micros = nowMicros + Math.ceil(expireMs * 1000);
  const millis = Math.floor(micros / 1000);
  const iso = new Date(millis).toISOString(); // 2026-11-30T06:00:36.123Z
  const fraction = String(micros % 1_000_000).padStart(6, '0');
  return `${iso.slice(0, 19)}.${fraction}+00:00`;
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Microseconds since the epoch of an `expiry_time`, or null when it is not an ISO-8601
 * date-time. A time without an offset is local time, as Python's `astimezone()` reads it.
 */
export function parseExpiryTime(text: string): number | null {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, fraction = '', offset] = m;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  let millis: number;
  if (offset === undefined) {
    const local = new Date(0);
    local.setFullYear(parts[0], parts[1], parts[2]);
    local.setHours(parts[3], parts[4], parts[5], 0);
    millis = local.getTime();
  } else {
    millis = Date.UTC(...parts);
    if (offset !== 'Z') {
      const sign = offset.startsWith('-') ? -1 : 1;
      millis -= sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * 60_000;
    }
  }
  if (Number.isNaN(millis)) return null;
  return millis * 1000 + Number(fraction.padEnd(6, '0'));
}

/** Whether a lock with this `expiry_time` (in microseconds) has expired at `nowMicros`, as Python decides it. */
export function hasExpired(expiryMicros: number, nowMicros: number = wallClockMicros()): boolean {
  return nowMicros > expiryMicros;
}

/** Whether this `expiry_time` (in microseconds) means "never expires". */
export function neverExpires(expiryMicros: number): boolean {
  return expiryMicros >= NO_EXPIRY_FROM_US;
}
