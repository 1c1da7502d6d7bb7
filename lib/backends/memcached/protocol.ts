/**
 * The few pieces of memcached's binary protocol the driver sends itself. memjs 1.3.2 has no
 * CAS in its public API, but its `Client.perform()` sends any request buffer and hands back the
 * parsed response (whose header carries the item's CAS), so compare-and-delete and
 * compare-and-set are built here as raw requests.
 *
 * Request layout (24-byte header, then extras, key, value): magic 0x80, opcode, key length
 * (u16), extras length (u8), data type (u8, 0), vbucket (u16, 0), total body length (u32),
 * opaque (u32, memjs matches responses by it), CAS (u64).
 */

/** Binary-protocol opcodes used by the driver. */
export const Opcode = {
  GET: 0x00,
  SET: 0x01,
  ADD: 0x02,
  DELETE: 0x04,
  INCREMENT: 0x05,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Binary-protocol response statuses the driver tells apart. */
export const Status = {
  OK: 0x0000,
  /** No such item (absent, expired or evicted). */
  KEY_NOT_FOUND: 0x0001,
  /** ADD on an existing item, or a CAS that no longer matches (the item changed). */
  KEY_EXISTS: 0x0002,
} as const;

const STATUS_TEXT: Record<number, string> = {
  0x0001: 'key not found',
  0x0002: 'key exists',
  0x0003: 'value too large',
  0x0004: 'invalid arguments',
  0x0005: 'item not stored',
  0x0006: 'incr/decr on a non-numeric value',
  0x0007: 'vbucket belongs to another server',
  0x0008: 'authentication error',
  0x0009: 'authentication continue',
  0x0081: 'unknown command',
  0x0082: 'out of memory',
  0x0083: 'not supported',
  0x0084: 'internal error',
  0x0085: 'busy',
  0x0086: 'temporary failure',
};

const OPCODE_NAME: Record<number, string> = { 0: 'GET', 1: 'SET', 2: 'ADD', 4: 'DELETE', 5: 'INCREMENT' };

/**
 * Flags stored with a lock value. Python's memcached clients (pylibmc, pymemcache,
 * python-memcached) mark a `str` with 16, which is how Python sherlock writes its owner
 * token; writing the same flags makes our value read back as a `str` in Python too.
 */
export const TEXT_FLAGS = 16;

/** A non-OK status the driver did not expect, with the request it answered. */
export class MemcachedStatusError extends Error {
  constructor(
    readonly status: number,
    readonly opcode: number,
    key: string,
  ) {
    const text = STATUS_TEXT[status] ?? 'unknown status';
    const op = OPCODE_NAME[opcode] ?? `opcode 0x${opcode.toString(16)}`;
    super(`memcached answered ${op} of key ${JSON.stringify(key)} with status 0x${status.toString(16).padStart(4, '0')} (${text})`);
    this.name = 'MemcachedStatusError';
  }
}

/** One binary-protocol request, before its opaque is known. */
export interface Request {
  readonly opcode: Opcode;
  readonly key: string;
  readonly extras?: Buffer;
  readonly value?: string;
  /** 8-byte CAS from an earlier response; the server applies the request only if it still matches. */
  readonly cas?: Buffer;
}

/**
 * Serialises `request` with `opaque` (the sequence number memjs routes the response by). One
 * allocation: key and value are written straight into the request (a request's buffers and the
 * garbage they leave were the largest client-side cost after the socket writes).
 */
export function encodeRequest(request: Request, opaque: number): Buffer {
  const { key, value = '', extras, cas } = request;
  const keyBytes = Buffer.byteLength(key, 'utf8');
  const valueBytes = Buffer.byteLength(value, 'utf8');
  const extrasBytes = extras ? extras.length : 0;
  const buf = Buffer.allocUnsafe(24 + extrasBytes + keyBytes + valueBytes);
  buf[0] = 0x80;
  buf[1] = request.opcode;
  buf.writeUInt16BE(keyBytes, 2);
  buf[4] = extrasBytes;
  buf[5] = 0; // data type
  buf.writeUInt16BE(0, 6); // vbucket
  buf.writeUInt32BE(extrasBytes + keyBytes + valueBytes, 8);
  buf.writeUInt32BE(opaque, 12);
  buf.fill(0, 16, 24);
  if (cas) cas.copy(buf, 16, 0, 8);
  if (extras) extras.copy(buf, 24);
  buf.write(key, 24 + extrasBytes, keyBytes, 'utf8');
  if (valueBytes > 0) buf.write(value, 24 + extrasBytes + keyBytes, valueBytes, 'utf8');
  return buf;
}

/** Extras of SET and ADD: flags (u32) and expiration (u32, see `serverExpiry`). */
export function storeExtras(flags: number, expiration: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeUInt32BE(flags, 0);
  buf.writeUInt32BE(expiration, 4);
  return buf;
}

/**
 * Extras of INCREMENT: delta (u64), initial value (u64) stored when the key is absent, and
 * the expiration of a key created that way (u32; 0xffffffff would mean "do not create").
 */
export function incrementExtras(delta: bigint, initial: bigint, expiration: number): Buffer {
  const buf = Buffer.alloc(20);
  buf.writeBigUInt64BE(delta, 0);
  buf.writeBigUInt64BE(initial, 8);
  buf.writeUInt32BE(expiration, 16);
  return buf;
}
