/** Plain-text tables for stdout (and the cells the Markdown report reuses). */
import type { ScenarioResult } from '../model/results';
import type { Spread } from '../stats';

/** Formats `value` with `digits` decimals; `n/a` for NaN. */
export function fmt(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** Formats a ratio as `0.91x`. */
export function times(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value !== 0 && Math.abs(value) < 0.01 ? `${value.toPrecision(2)}x` : `${value.toFixed(2)}x`;
}

/** Prints a titled table; the first column is left-aligned, the others right-aligned. */
export function printTable(title: string, header: readonly string[], rows: ReadonlyArray<readonly string[]>, notes: readonly string[] = []): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  for (const note of notes) console.log(`  ${note}`);
}

/** A spread as `median (min–max)`. */
export function spreadText(s: Spread, digits: number, unit = ''): string {
  if (!Number.isFinite(s.median)) return 'n/a';
  if (s.min === s.max) return `${fmt(s.median, digits)}${unit}`;
  return `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

/** The rows of `scenario` as table cells: name, ratio, then one cell per column. */
export function scenarioCells(scenario: ScenarioResult): { header: string[]; rows: string[][] } {
  const hasRatio = scenario.baseline !== undefined;
  const header = ['library', ...(hasRatio ? [`vs ${scenario.baseline}`] : []), ...scenario.columns.map((c) => c.label)];
  const rows = scenario.rows.map((r) => [
    r.name,
    ...(hasRatio ? [r.ratio ? spreadText(r.ratio, 2, 'x') : 'n/a'] : []),
    ...scenario.columns.map((c) => (r.metrics[c.key] ? spreadText(r.metrics[c.key]!, c.digits) : 'n/a')),
  ]);
  return { header, rows };
}

/** Prints one scenario to stdout, or the reason it was skipped. */
export function printScenario(scenario: ScenarioResult): void {
  if (scenario.skipped !== undefined) {
    console.log(`\n${scenario.title}: skipped (${scenario.skipped})`);
    return;
  }
  const { header, rows } = scenarioCells(scenario);
  const notes = [scenario.measures, ...(scenario.ratioMeaning ? [`ratio = ${scenario.ratioMeaning}; median (min–max) over rounds.`] : [])];
  for (const r of scenario.rows) {
    const perWorker = r.counts?.grantsPerWorker;
    if (Array.isArray(perWorker)) notes.push(`${r.name}: grants per worker ${perWorker.join(' / ')}; gave up ${String(r.counts?.gaveUp)}`);
    if (typeof r.counts?.overlaps === 'number' && r.counts.overlaps > 0) notes.push(`!!! ${r.name}: ${r.counts.overlaps} grant(s) while another contender held the lock`);
    if (typeof r.counts?.lost === 'number' && r.counts.lost > 0) notes.push(`!!! ${r.name}: ${r.counts.lost} lock(s) lost while held with renewal`);
  }
  printTable(scenario.title, header, rows, notes);
}
