/**
 * Fencing tokens from a counter item next to the lock (`<key>#fence`).
 *
 * Memcached is a cache: the counter can be evicted under memory pressure (or lost in a
 * restart) like any item. A counter recreated from 1 would hand the next holder a token
 * lower than the one a stale holder still uses, so a protected resource would accept the
 * stale holder and refuse the real one. The counter is therefore created at the current time
 * in microseconds: a recreated counter starts above every token the lost one handed out, as
 * long as the lost one handed out fewer tokens than microseconds elapsed since its creation
 * (always, at memcached round-trip speeds) and the clocks of the clients that create it agree
 * to within the time between the loss and the next grant.
 */
import { fenceKeyOf } from './key';
import type { Response } from 'memjs';
import { incrementExtras, MemcachedStatusError, Opcode, Status, type Request } from './protocol';
import { send, type MemjsClient } from './send';

/** The request that increments the fencing counter of the lock at `key` (creating it if absent). */
export function fenceRequest(key: string, nowMs: number = wallClockMs()): Request {
  // Expiration 0: the counter must outlive every lock on this key; it is only lost by eviction.
  // Microsecond precision: a counter lost and recreated within the same millisecond must still
  // start above the tokens the lost one handed out.
  return { opcode: Opcode.INCREMENT, key: fenceKeyOf(key), extras: incrementExtras(1n, BigInt(Math.floor(nowMs * 1000)), 0) };
}

/** The fencing token in the answer to {@link fenceRequest} for the lock at `key`. */
export function fencingTokenOf(response: Response, key: string): number {
  const { status } = response.header;
  if (status !== Status.OK) throw new MemcachedStatusError(status, Opcode.INCREMENT, fenceKeyOf(key));
  return Number(response.val.readBigUInt64BE(0));
}

/** Increments the lock's fencing counter (creating it if absent) and returns the new value. */
export async function nextFencingToken(client: MemjsClient, key: string, nowMs: number = wallClockMs()): Promise<number> {
  return fencingTokenOf(await send(client, fenceRequest(key, nowMs)), key);
}

/** Wall-clock milliseconds with sub-millisecond precision (Date.now() has whole milliseconds only). */
function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
