import { debuglog } from 'node:util';

/**
 * Debug logging for background work that has nobody to report to (a best-effort release
 * after a late grant, say). Off by default; enable with `NODE_DEBUG=sherlock-rx`.
 */
export const debug = debuglog('sherlock-rx');

/** Characters of an owner token shown in logs and messages: enough to correlate, too few to use. */
const TOKEN_PREFIX = 6;

/**
 * An owner token shortened for logs: a token is a capability (whoever has it can release the
 * lock), so it is never written out in full.
 */
export function redactToken(token: string): string {
  return `${token.slice(0, TOKEN_PREFIX)}…`;
}
