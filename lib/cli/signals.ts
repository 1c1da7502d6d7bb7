/**
 * The signals `run` passes on to its command (the ones a terminal, a supervisor or `kill`
 * send to ask a process to stop), and their numbers for exit codes.
 */
import { constants } from 'node:os';

export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const satisfies readonly NodeJS.Signals[];

/**
 * Calls `handler` for each forwarded signal this process receives, until the returned
 * function is called. While installed, the signals no longer kill this process: it is the
 * handler's job to end things.
 */
export function onSignals(handler: (signal: NodeJS.Signals) => void): () => void {
  const listeners = FORWARDED_SIGNALS.map((signal) => {
    const listener = () => handler(signal);
    process.on(signal, listener);
    return () => process.off(signal, listener);
  });
  return () => listeners.forEach((off) => off());
}

/** A shell's exit code for a process ended by `signal`: 128 + its number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}
