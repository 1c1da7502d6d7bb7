/** `bench/results/latest.md`: every scenario as a Markdown table, with the machine and command. */
import type { BenchResults } from '../model/results';
import { scenarioCells } from './text';

/** Renders `results` as Markdown. */
export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const lines = [
    `# sherlock-rx bench${results.quick ? ' (--quick: a smoke test, do not quote)' : ''}`,
    '',
    `${results.generatedAt} · \`${results.command}\` · ${Math.round(results.durationS)} s`,
    '',
    `${m.cpuModel} × ${m.cpus}, ${m.os}, Node ${m.node}, ${Object.entries(m.servers).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    '',
    results.note,
    '',
    'Every cell is the median over rounds, with the min–max over rounds in brackets. Ratios are per',
    'round, to the baseline measured in the same block of that round, then the median; higher is',
    'better in every ratio.',
  ];
  for (const s of results.scenarios) {
    lines.push('', `## ${s.title}`, '', `\`${s.key}\` · ${s.measures}`);
    if (s.skipped !== undefined) {
      lines.push('', `Skipped: ${s.skipped}`);
      continue;
    }
    if (s.ratioMeaning) lines.push(`Ratio: ${s.ratioMeaning}.`);
    const { header, rows } = scenarioCells(s);
    lines.push('', `| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
    for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
    const perWorker = s.rows.filter((r) => Array.isArray(r.counts?.grantsPerWorker));
    if (perWorker.length > 0) {
      lines.push('', 'Grants per worker (summed over rounds), gave up, overlaps:', '');
      for (const r of perWorker) {
        lines.push(`- ${r.name}: ${(r.counts!.grantsPerWorker as number[]).join(' / ')}; gave up ${String(r.counts!.gaveUp)}; overlaps ${String(r.counts!.overlaps)}`);
      }
    }
    const lost = s.rows.filter((r) => typeof r.counts?.lost === 'number');
    if (lost.length > 0) lines.push('', `Locks lost while held: ${lost.map((r) => `${r.name} ${String(r.counts!.lost)}`).join(', ')}.`);
  }
  return `${lines.join('\n')}\n`;
}
