/**
 * The identity of the process holding a lock that never expires, so that another process on
 * the same host can take over the lock of a holder that died (SIGKILL, crash): with
 * `expire: null` nothing else ever frees it. Stored in the state file as an extra field,
 * which Python sherlock ignores.
 */
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** The extra `holder` field of a state file written for `expire: null`. */
export interface Holder {
  readonly pid: number;
  readonly host: string;
  /**
   * The PID namespace (`/proc/self/ns/pid` link), where there is one: two containers can share
   * a directory and a host name, but a PID means something only inside its own namespace.
   */
  readonly pid_namespace?: string;
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

/** This process, as a {@link Holder}. */
export function thisHolder(): Holder {
  const namespace = pidNamespace();
  return { pid: process.pid, host: hostname(), ...(namespace === undefined ? {} : { pid_namespace: namespace }) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Whether `holder` is a process of this host (and PID namespace) that no longer runs. Only
 * then may its lock be taken over: another host's PIDs cannot be checked from here. A reused
 * PID makes a dead holder look alive, which only delays the takeover.
 */
export function isDeadLocalHolder(holder: unknown): boolean {
  const h = holder as Partial<Holder> | null;
  if (typeof h !== 'object' || h === null || !Number.isSafeInteger(h.pid) || (h.pid as number) <= 0) return false;
  const me = thisHolder();
  if (h.host !== me.host || h.pid_namespace !== me.pid_namespace) return false;
  return h.pid !== me.pid && !isAlive(h.pid as number);
}
