/**
 * The judge of a torture run: from the hold intervals every holder logged, proves that no two
 * holds of one lock overlapped and that fencing tokens strictly increased in grant order.
 * Pure: the unit spec feeds it synthetic logs to show it can fail.
 */

/** One hold, as its holder believed it: from the grant it saw to the first of release call, validity end, loss signal. */
export interface HoldRecord {
  /** Lock name. */
  lock: string;
  /** Who held it (`<process>/<client>`). */
  worker: string;
  /** Shared-clock ms at which the holder learnt it holds the lock. */
  start: number;
  /** Shared-clock ms at which it stopped believing so. */
  end: number;
  /** Fencing token of the grant (a decimal string: etcd and Redis tokens exceed 2^53 only in theory, but keep them exact). */
  fence?: string;
  /** The handle's validity deadline at the grant, on the shared clock, when the holder could see it (hold() style). */
  validUntil?: number;
  /** How it was held: `promise` (acquire/release), `hold` (the handle), `victim` (killed while holding). */
  style?: string;
}

export interface Overlap {
  lock: string;
  first: HoldRecord;
  second: HoldRecord;
  /** How long both believed they held it, in ms. */
  ms: number;
}

export interface FencingViolation {
  lock: string;
  previous: HoldRecord;
  next: HoldRecord;
}

export interface CheckResult {
  grants: number;
  overlaps: Overlap[];
  fencingViolations: FencingViolation[];
  /** Grants whose validity had already passed when the holder was told it holds the lock. */
  lateGrants: HoldRecord[];
}

/**
 * Per lock, sorted by grant: a hold that starts before an earlier hold ended is an overlap
 * (compared with the latest end so far, so a long hold is caught against every later one);
 * a fencing token not above the previous grant's is a violation. Zero tolerance: every
 * timestamp is taken on the same clock, starts after the grant was known and ends before
 * the release was sent, so measurement can only shrink an interval.
 */
export function check(records: readonly HoldRecord[]): CheckResult {
  const byLock = new Map<string, HoldRecord[]>();
  for (const r of records) {
    let list = byLock.get(r.lock);
    if (!list) byLock.set(r.lock, (list = []));
    list.push(r);
  }
  const overlaps: Overlap[] = [];
  const fencingViolations: FencingViolation[] = [];
  for (const [lock, list] of byLock) {
    list.sort((a, b) => a.start - b.start);
    let longest: HoldRecord | undefined;
    let lastFenced: HoldRecord | undefined;
    for (const r of list) {
      if (longest && r.start < longest.end && r.end > r.start) {
        overlaps.push({ lock, first: longest, second: r, ms: Math.min(longest.end, r.end) - r.start });
      }
      if (!longest || r.end > longest.end) longest = r;
      if (r.fence !== undefined) {
        if (lastFenced && !(BigInt(r.fence) > BigInt(lastFenced.fence!))) {
          fencingViolations.push({ lock, previous: lastFenced, next: r });
        }
        lastFenced = r;
      }
    }
  }
  const lateGrants = records.filter((r) => r.validUntil !== undefined && r.validUntil <= r.start);
  return { grants: records.length, overlaps, fencingViolations, lateGrants };
}

/**
 * Holder SIGKILL: the first grant of `lock` after the killed hold began must wait for the
 * expiry. Returns how early it came in ms (<= 0 is a pass), or undefined with no later grant.
 * `allowance` is the library's safety margin (1% of expire + 2 ms) plus a round trip.
 */
export function killedHolderEarliness(
  records: readonly HoldRecord[],
  killed: HoldRecord,
  expire: number,
  allowance: number,
): number | undefined {
  const next = records
    .filter((r) => r.lock === killed.lock && r !== killed && r.start > killed.start)
    .sort((a, b) => a.start - b.start)[0];
  if (!next) return undefined;
  return killed.start + expire - allowance - next.start;
}

/** Lines of a JSON-lines log (a torn last line of a killed writer is skipped). */
export function parseLog(text: string): HoldRecord[] {
  const out: HoldRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as HoldRecord);
    } catch {
      // a partial line of a killed writer
    }
  }
  return out;
}
