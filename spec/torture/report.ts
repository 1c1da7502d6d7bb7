/**
 * The figures table: one row per scenario and backend, then one total per backend.
 */
import { untyped, type Figures } from './scenarios';

const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : String(x));

export function summarize(rows: readonly Figures[]): Figures[] {
  const byBackend = new Map<string, Figures[]>();
  for (const r of rows) byBackend.set(r.backend, [...(byBackend.get(r.backend) ?? []), r]);
  return [...byBackend.entries()].map(([backend, list]) => {
    const t: Figures = {
      backend: backend as Figures['backend'], scenario: 'TOTAL', grants: 0, overlaps: 0, overlapMaxMs: 0, fencingViolations: 0,
      lateGrants: 0, faults: {}, leads: [], leadRoundTrips: [], inconclusiveLeads: 0, killEarliness: [], leakedKeys: 0, badInputFailures: [], errors: {}, workerFailures: [],
      runMs: 0, samples: [],
    };
    for (const r of list) {
      t.grants += r.grants;
      t.overlaps += r.overlaps;
      t.overlapMaxMs = Math.max(t.overlapMaxMs, r.overlapMaxMs);
      t.fencingViolations += r.fencingViolations;
      t.lateGrants += r.lateGrants;
      for (const [k, v] of Object.entries(r.faults)) t.faults[k] = (t.faults[k] ?? 0) + v;
      for (const [k, v] of Object.entries(r.errors)) t.errors[k] = (t.errors[k] ?? 0) + v;
      t.leads.push(...r.leads);
      t.leadRoundTrips.push(...r.leadRoundTrips);
      t.inconclusiveLeads += r.inconclusiveLeads;
      t.killEarliness.push(...r.killEarliness);
      t.leakedKeys += r.leakedKeys;
      t.badInputFailures.push(...r.badInputFailures);
      t.workerFailures.push(...r.workerFailures);
      t.runMs += r.runMs;
    }
    return t;
  });
}

/** A Markdown table of `rows` followed by the per-backend totals. */
export function table(rows: readonly Figures[]): string {
  const head = [
    'backend', 'scenario', 'grants', 'overlaps (max ms)', 'fencing violations', 'late grants', 'faults injected',
    'lead min / median ms (n)', 'kill: next grant early by (max ms)', 'leaked keys', 'bad input failed', 'untyped errors', 'worker failures', 'run s',
  ];
  const line = (r: Figures) => [
    r.backend,
    r.scenario,
    String(r.grants),
    `${r.overlaps}${r.overlaps ? ` (${r.overlapMaxMs.toFixed(2)})` : ''}`,
    String(r.fencingViolations),
    String(r.lateGrants),
    Object.entries(r.faults).map(([k, v]) => `${k} ${v}`).join(', ') || '-',
    (r.leads.length ? `${ms(Math.min(...r.leads))} / ${ms(median(r.leads))} (${r.leads.length})` : '-') +
      (r.inconclusiveLeads ? `, ${r.inconclusiveLeads} lost before the fault` : ''),
    r.killEarliness.length ? `${ms(Math.max(...r.killEarliness))} (n ${r.killEarliness.length})` : '-',
    String(r.leakedKeys),
    String(r.badInputFailures.length),
    String(untyped(r)),
    String(r.workerFailures.length),
    (r.runMs / 1000).toFixed(1),
  ];
  const all = [...rows, ...summarize(rows)];
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...all.map((r) => `| ${line(r).join(' | ')} |`),
  ].join('\n');
}

/**
 * The leads that are failures: another client's grant was answered before the holder's
 * LockLostError fired (see `Figures.leadRoundTrips`), or never came, or the signal never did.
 */
export function negativeLeads(r: Pick<Figures, 'leads' | 'leadRoundTrips'>): number[] {
  return r.leads.filter((lead, i) => !(lead + (r.leadRoundTrips[i] ?? 0) >= 0));
}

/** What failed, in words (empty when everything passed). */
export function failures(rows: readonly Figures[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const tag = `${r.backend} / ${r.scenario}`;
    if (r.overlaps) out.push(`${tag}: ${r.overlaps} overlapping holds (longest ${r.overlapMaxMs.toFixed(2)} ms)`);
    if (r.fencingViolations) out.push(`${tag}: ${r.fencingViolations} fencing tokens not increasing in grant order`);
    if (r.lateGrants) out.push(`${tag}: ${r.lateGrants} grants reported after their validity had passed`);
    const negative = negativeLeads(r);
    if (negative.length) out.push(`${tag}: ${negative.length} grants answered before the holder's LockLostError (leads ${negative.map(ms).join(', ')} ms)`);
    if (r.inconclusiveLeads > r.leads.length) {
      out.push(`${tag}: ${r.inconclusiveLeads} lead trials lost the lock before the fault (renewals missed their deadline), more than the ${r.leads.length} measured`);
    }
    const early = r.killEarliness.filter((x) => x > 0);
    if (early.length) out.push(`${tag}: after a holder SIGKILL the next grant came ${ms(Math.max(...early))} ms before the expiry`);
    if (r.leakedKeys) out.push(`${tag}: ${r.leakedKeys} keys left after cancellation`);
    for (const b of r.badInputFailures) out.push(`${tag}: bad input ${b}`);
    if (untyped(r)) out.push(`${tag}: ${untyped(r)} errors that are not LockErrors: ${Object.keys(r.errors).filter((k) => k.startsWith('untyped')).join('; ')}`);
    for (const w of r.workerFailures) out.push(`${tag}: ${w}`);
    for (const s of r.samples.slice(0, 4)) out.push(`  ${tag} sample: ${s}`);
  }
  return out;
}
