/**
 * The torture runner: `ts-node --transpile-only spec/torture/run.ts [--long] [--backend redis,etcd]
 * [--scenario stall,lead] [--out file.md]`. Starts each backend's server on loopback, runs the scenarios,
 * prints the figures table, and in long mode writes it to spec/torture/results/latest.md.
 * Exits 1 if anything failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BackendKind } from './clients';
import { runScenario, scenariosFor, type ScenarioName, type Size } from './plan';
import { failures, table } from './report';
import type { Figures } from './scenarios';
import { available, startBackend } from './servers';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const size: Size = process.argv.includes('--long') ? 'long' : 'short';
  const kinds = (arg('--backend')?.split(',') ?? ['memory', 'redis', 'memcached', 'etcd']) as BackendKind[];
  const only = arg('--scenario')?.split(',') as ScenarioName[] | undefined;
  const rows: Figures[] = [];
  const started = new Date();
  for (const kind of kinds) {
    if (!available(kind)) continue;
    const b = await startBackend(kind);
    try {
      for (const s of scenariosFor(kind)) {
        if (only && !only.includes(s)) continue;
        process.stderr.write(`torture: ${kind} / ${s} (${size})...\n`);
        const f = await runScenario(b, s, size);
        rows.push(f);
        process.stderr.write(`${table([f]).split('\n')[2]}\n`);
      }
    } finally {
      await b.close();
    }
  }
  const text = table(rows);
  const problems = failures(rows);
  console.log(`\n${text}\n`);
  console.log(problems.length ? `FAILED:\n${problems.join('\n')}` : 'PASSED: zero overlaps, zero fencing violations, leads >= 0, nothing leaked.');
  if (size === 'long') {
    const out = arg('--out') ?? join(__dirname, 'results', 'latest.md');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `# Torture run (${size}), ${started.toISOString()}\n\nNode ${process.version}, ${kinds.join(', ')}\n\n${text}\n\n${problems.length ? `## Failures\n\n${problems.map((p) => `- ${p}`).join('\n')}` : 'All passed.'}\n`,
    );
  }
  return problems.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
