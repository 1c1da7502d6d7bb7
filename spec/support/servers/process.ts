/**
 * Test harness plumbing: start a real server binary on a free loopback port, wait until it
 * answers, and stop it (tests may also kill and restart it for fault tests).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (asked from the kernel, then closed). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Whether `binary` is on the PATH. */
export function hasBinary(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
}

/**
 * For a suite that needs `binary`: returns true when it can run. When the binary is missing it
 * prints a loud notice and returns false (the caller skips), except under `CI=true`, where a
 * missing server is a failure.
 */
export function requireServerBinary(binary: string, envUrlVar: string): boolean {
  if (process.env[envUrlVar] || hasBinary(binary)) return true;
  const msg = `${binary} is not installed and ${envUrlVar} is not set`;
  if (process.env.CI === 'true') throw new Error(`${msg}: CI must install it (see .ci/run).`);
   
  console.warn(`\n  !!! SKIPPING ${binary} tests: ${msg}. Install it (see .ci/run) to run them.\n`);
  return false;
}

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `sherlock-rx-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect({ host: '127.0.0.1', port });
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A running server process started by the harness. */
export class ServerProcess {
  private child: ChildProcess | undefined;
  private stderr = '';

  constructor(
    readonly label: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly port: number,
  ) {}

  /** Starts the process and waits until its port accepts connections. */
  async start(): Promise<void> {
    this.stderr = '';
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`${this.label} exited early (code ${code}): ${this.stderr}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForPort(this.port), exited]);
  }

  /** Stops the process (SIGKILL with `hard`, to simulate a crash) and waits for it to exit. */
  async stop(hard = false): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // A paused process handles SIGTERM only once it runs again.
    child.kill('SIGCONT');
    child.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await done;
  }

  /** Freezes the process (SIGSTOP): its sockets stay open but nothing is answered, as in a long GC pause or a stalled VM. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Lets a {@link pause}d process run again (SIGCONT). */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** The process id, for tests that signal the server themselves. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }
}

/** A server the tests use: one the harness started (it can stop and restart it) or one named by an env var. */
export interface TestServer {
  /** Whether the harness started it (and so can stop and restart it). */
  readonly managed: boolean;
  /** Stops the server (SIGKILL with `hard`, as a crash); it can be started again on the same port. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port; it comes back empty. */
  start(): Promise<void>;
  /** Freezes it with SIGSTOP (connections stay open, nothing is answered) until {@link resume}. */
  pause(): void;
  /** Resumes a paused server with SIGCONT. */
  resume(): void;
  /** Stops it for good and removes what the harness made for it. */
  close(): Promise<void>;
}

/** The {@link TestServer} controls of a server named by `envVar`: it cannot be stopped or restarted. */
export function externalServer(envVar: string): TestServer {
  const refuse = (): Promise<void> => Promise.reject(new Error(`cannot stop or start the server of ${envVar}`));
  const refuseNow = (): void => {
    throw new Error(`cannot pause or resume the server of ${envVar}`);
  };
  return { managed: false, stop: refuse, start: refuse, pause: refuseNow, resume: refuseNow, close: () => Promise.resolve() };
}
