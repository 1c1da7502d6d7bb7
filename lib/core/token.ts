import { randomFillSync } from 'node:crypto';

const TOKEN_BYTES = 16;
const TOKEN_CHARS = 2 * TOKEN_BYTES;
/**
 * Tokens drawn per CSPRNG call and hex conversion: one small randomBytes() call per token cost
 * ~25 µs here, and one hex conversion per token (a call into C++) was ~5% of a memory
 * acquire+release cycle. 128 tokens: a token is a slice of its batch's 4 KB string, so a
 * token kept alive keeps at most that much alive with it.
 */
const POOL_TOKENS = 128;
const pool = Buffer.alloc(TOKEN_BYTES * POOL_TOKENS);
let batch = '';
let offset = 0;

/**
 * A fresh owner token: 128 bits from the CSPRNG, as 32 hex characters. Unique per
 * acquisition, so a stale owner can never pass another owner's check. Bytes are drawn from
 * the CSPRNG in batches (as `crypto.randomUUID()` does) and turned into hex a batch at a
 * time; each byte is used once.
 */
export function newOwnerToken(): string {
  if (offset >= batch.length) {
    randomFillSync(pool);
    batch = pool.toString('hex');
    offset = 0;
  }
  const token = batch.substring(offset, offset + TOKEN_CHARS);
  offset += TOKEN_CHARS;
  return token;
}
