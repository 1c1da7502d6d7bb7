/**
 * `bench/results/ratios.svg`: every ratio of a run to its scenario's baseline, one bar per
 * library (median) with a whisker (min–max over rounds), on a log scale so that 0.05x and 2x
 * both read; a line at 1x (the baseline) and a tick at each target of issue 13. Written by
 * hand (no chart library): plain SVG that GitHub renders in the README.
 */
import type { BenchResults, ScenarioResult } from '../model/results';
import { RATIO_TARGETS } from '../model/targets';

const WIDTH = 1000;
const LABEL_W = 360;
const PLOT_X = LABEL_W + 10;
const PLOT_W = WIDTH - PLOT_X - 50;
const ROW_H = 17;
const HEADER_H = 78;
/** Log-scale domain of the ratio axis; values outside are clamped to its ends. */
const MIN_RATIO = 0.01;
const MAX_RATIO = 4;
const TICKS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 4];

function x(ratio: number): number {
  const clamped = Math.min(MAX_RATIO, Math.max(MIN_RATIO, ratio));
  return PLOT_X + (Math.log(clamped / MIN_RATIO) / Math.log(MAX_RATIO / MIN_RATIO)) * PLOT_W;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function n(value: number): string {
  return value.toFixed(1);
}

/** Scenarios with a ratio to draw. */
function charted(results: BenchResults): ScenarioResult[] {
  return results.scenarios.filter((s) => s.skipped === undefined && s.baseline !== undefined);
}

/** Renders the chart of `results`. */
export function renderRatiosSvg(results: BenchResults): string {
  const scenarios = charted(results);
  const rowCount = scenarios.reduce((k, s) => k + 1 + s.rows.filter((r) => r.id !== s.baseline).length, 0);
  const height = HEADER_H + rowCount * ROW_H + 40;
  const m = results.machine;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">sherlock-rx bench: ratio to the baseline of the same block (higher is better; log scale)${results.quick ? ' — QUICK SMOKE RUN, not figures' : ''}</text>`,
    `<text x="10" y="34">${esc(`${results.generatedAt.slice(0, 16).replace('T', ' ')} UTC · ${results.command} · bar = median over rounds, whisker = min–max, red tick = target (issue 13)`)}</text>`,
    `<text x="10" y="48">${esc(`${m.cpuModel} × ${m.cpus} · ${m.os} · Node ${m.node} · ${Object.entries(m.servers).map(([k, v]) => `${k} ${v}`).join(' · ')}`)}</text>`,
  );
  const plotTop = HEADER_H - 8;
  const plotBottom = HEADER_H + rowCount * ROW_H;
  for (const t of TICKS) {
    const tx = n(x(t));
    out.push(
      `<line x1="${tx}" y1="${plotTop}" x2="${tx}" y2="${plotBottom}" stroke="${t === 1 ? '#333' : '#ddd'}" stroke-width="${t === 1 ? 1.5 : 1}"/>`,
      `<text x="${tx}" y="${plotTop - 4}" text-anchor="middle" fill="#555">${t}x</text>`,
      `<text x="${tx}" y="${plotBottom + 14}" text-anchor="middle" fill="#555">${t}x</text>`,
    );
  }
  let y = HEADER_H;
  for (const s of scenarios) {
    const baseline = s.rows.find((r) => r.id === s.baseline)?.name ?? s.baseline!;
    out.push(`<text x="10" y="${y + 12}"><tspan font-weight="bold">${esc(s.title)}</tspan><tspan fill="#666">&#160;· baseline: ${esc(baseline)}</tspan></text>`);
    y += ROW_H;
    const target = RATIO_TARGETS[s.key];
    for (const r of s.rows) {
      if (r.id === s.baseline || !r.ratio || !Number.isFinite(r.ratio.median)) continue;
      const ours = r.id.startsWith('sherlock-rx');
      const mid = y + ROW_H / 2;
      out.push(
        `<text x="22" y="${y + 12}">${esc(r.name)}</text>`,
        `<rect x="${n(PLOT_X)}" y="${y + 3}" width="${n(x(r.ratio.median) - PLOT_X)}" height="${ROW_H - 6}" fill="${ours ? '#2b6cb0' : '#a0aec0'}"/>`,
        `<line x1="${n(x(r.ratio.min))}" y1="${mid}" x2="${n(x(r.ratio.max))}" y2="${mid}" stroke="#000"/>`,
        `<line x1="${n(x(r.ratio.min))}" y1="${mid - 3}" x2="${n(x(r.ratio.min))}" y2="${mid + 3}" stroke="#000"/>`,
        `<line x1="${n(x(r.ratio.max))}" y1="${mid - 3}" x2="${n(x(r.ratio.max))}" y2="${mid + 3}" stroke="#000"/>`,
        `<text x="${n(Math.max(x(r.ratio.max), x(r.ratio.median)) + 4)}" y="${y + 12}" fill="#333">${r.ratio.median.toFixed(2)}x</text>`,
      );
      if (target && target.rowId === r.id) {
        out.push(`<line x1="${n(x(target.atLeast))}" y1="${y + 1}" x2="${n(x(target.atLeast))}" y2="${y + ROW_H - 1}" stroke="#e53e3e" stroke-width="2.5"/>`);
      }
      y += ROW_H;
    }
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
