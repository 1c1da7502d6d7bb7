import { debuglog } from 'node:util';

/**
 * Debug logging for background work that has nobody to report to (a best-effort release
 * after a late grant, say). Off by default; enable with `NODE_DEBUG=sherlock-rx`.
 */
export const debug = debuglog('sherlock-rx');
