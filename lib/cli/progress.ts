/**
 * The "waiting for lock" line on stderr. Nothing for the first second (most acquisitions are
 * quicker, and a line for each would be noise in cron mail); then, on a terminal, one line
 * rewritten in place each second; elsewhere (a log file, a pipe) a single line, since
 * rewrites would only pile up as separate lines there.
 */

/** Where the progress goes: `process.stderr` or a stand-in. */
export interface ProgressOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** How long a wait lasts before it is reported (ms). */
export const PROGRESS_AFTER_MS = 1000;

/** Starts reporting a wait for `name`; call the result when the wait ends, however it ends. */
export function showProgress(name: string, out: ProgressOutput, quiet: boolean): () => void {
  if (quiet) return () => undefined;
  const started = Date.now();
  const tty = out.isTTY === true;
  let shown = false;
  const line = () => `sherlock-rx: waiting for lock "${name}" (${Math.round((Date.now() - started) / 1000)} s)`;
  const show = () => {
    if (tty) {
      out.write(`\r\x1b[K${line()}`);
    } else if (!shown) {
      out.write(`sherlock-rx: waiting for lock "${name}"...\n`);
    }
    shown = true;
  };
  // Unreferenced: the wait itself keeps the process alive, never the progress line.
  const first = setTimeout(() => {
    show();
    if (tty) every = setInterval(show, 1000).unref();
  }, PROGRESS_AFTER_MS).unref();
  let every: NodeJS.Timeout | undefined;
  return () => {
    clearTimeout(first);
    if (every) clearInterval(every);
    // Leave the terminal line clean for the command's own output.
    if (tty && shown) out.write('\r\x1b[K');
  };
}
