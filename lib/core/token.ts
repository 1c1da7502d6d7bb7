import { randomFillSync } from 'node:crypto';

const TOKEN_BYTES = 16;
/** Tokens drawn per CSPRNG call: one small randomBytes() call per token cost ~25 µs here. */
const POOL_TOKENS = 256;
const pool = Buffer.alloc(TOKEN_BYTES * POOL_TOKENS);
let offset = pool.length;

/**
 * A fresh owner token: 128 bits from the CSPRNG, as 32 hex characters. Unique per
 * acquisition, so a stale owner can never pass another owner's check. Bytes are drawn from
 * the CSPRNG in batches (as `crypto.randomUUID()` does); each byte is used once.
 */
export function newOwnerToken(): string {
  if (offset >= pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const token = pool.toString('hex', offset, offset + TOKEN_BYTES);
  offset += TOKEN_BYTES;
  return token;
}
