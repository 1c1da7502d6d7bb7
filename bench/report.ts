/** Plain-text tables for stdout. */

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
