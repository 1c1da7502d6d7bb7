/**
 * A child process spoken to in lines (a kazoo script, a Node holder): send commands on stdin,
 * await the lines it prints. Every child is killed when the spec is done with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** Longest a spec waits for one expected line (ms): generous, the machine is shared and slow. */
const LINE_TIMEOUT_MS = 30_000;

export class LineProcess {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  private buffered = '';
  private stderr = '';
  private exited = false;

  constructor(
    readonly label: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => this.onData(d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.child.on('exit', () => (this.exited = true));
    this.child.stdin!.on('error', () => undefined);
  }

  /** A Node child running the TypeScript file `script`. */
  static node(label: string, script: string, env: NodeJS.ProcessEnv): LineProcess {
    return new LineProcess(label, process.execPath, ['-r', 'ts-node/register/transpile-only', script], {
      ...process.env,
      ...env,
      TS_NODE_TRANSPILE_ONLY: 'true',
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** The first line (already printed or to come) that `match` accepts, e.g. a prefix. */
  next(match: string | ((line: string) => boolean)): Promise<string> {
    const accept = typeof match === 'string' ? (l: string) => l.startsWith(match) : match;
    const seen = this.lines.find(accept);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.label}: no line matching ${String(match)} within ${LINE_TIMEOUT_MS} ms; got ${JSON.stringify(this.lines)}; stderr: ${this.stderr}`)),
        LINE_TIMEOUT_MS,
      );
      this.waiters.push({
        match: accept,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Kills the child (SIGKILL) and waits for it to exit. */
  async kill(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGCONT');
    this.child.kill('SIGKILL');
    await done;
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl).trim();
      this.buffered = this.buffered.slice(nl + 1);
      this.lines.push(line);
      for (const w of [...this.waiters]) {
        if (w.match(line)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  }
}
