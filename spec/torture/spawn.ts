/**
 * Starting worker processes fast. ts-node needs ~2 s per process to compile the library;
 * instead the library and this folder are transpiled once per run into a temporary directory
 * (plain CommonJS, no type check) and each worker starts with plain `node` in ~0.5 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';

const root = join(__dirname, '..', '..');
let built: string | undefined;

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith('.ts') && !p.endsWith('.spec.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The transpiled worker's path (built on first call; removed at exit). */
export function workerScript(): string {
  if (!built) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- only when workers are built
    const ts = require('typescript') as typeof import('typescript');
    const out = mkdtempSync(join(tmpdir(), 'sherlock-rx-torture-'));
    process.once('exit', () => rmSync(out, { recursive: true, force: true }));
    for (const file of [...tsFiles(join(root, 'lib')), ...tsFiles(__dirname)]) {
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      });
      const dest = join(out, relative(root, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, outputText);
    }
    built = out;
  }
  return join(built, 'spec', 'torture', 'worker.js');
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<string>;
  /** Lines the worker printed, in order. */
  readonly lines: string[];
  /** Resolves with the first line starting with `prefix` (rejects if the worker exits first). */
  waitFor(prefix: string): Promise<string>;
}

/** Spawns a worker with `plan`; a parent-side kill timer ends it at `killAfterMs` at the latest. */
export function spawnWorker(plan: object, killAfterMs: number): WorkerProcess {
  const child = spawn(process.execPath, [workerScript(), JSON.stringify(plan)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  killer.unref();
  const lines: string[] = [];
  const waiters: Array<{ prefix: string; resolve(l: string): void; reject(e: Error): void }> = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (line.startsWith(w.prefix)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<string>((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      for (const w of waiters.splice(0)) w.reject(new Error(`worker exited (${code ?? signal}) before "${w.prefix}": ${stderr}`));
      resolve(String(code ?? signal));
    }),
  );
  const waitFor = (prefix: string) => {
    const seen = lines.find((l) => l.startsWith(prefix));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => waiters.push({ prefix, resolve, reject }));
  };
  const ready = waitFor('READY').then(() => undefined);
  ready.catch(() => undefined);
  return { child, ready, exited, lines, waitFor };
}
