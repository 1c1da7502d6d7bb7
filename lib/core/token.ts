import { randomFillSync } from 'node:crypto';

const TOKEN_BYTES = 16;
const TOKEN_CHARS = 2 * TOKEN_BYTES;
/**
 * Tokens drawn per CSPRNG call: one small randomBytes() call per token cost ~25 µs here, and
 * even one call per 128 tokens was ~2% of a memory acquire+release cycle (its fixed cost).
 */
const POOL_TOKENS = 4096;
/**
 * Tokens turned into hex per conversion: one conversion per token (a call into C++) was ~5%
 * of a memory cycle. A token is a slice of its batch's string (V8 keeps the whole string alive
 * for a slice), so the batch is kept small: a held lock whose token outlives its batch-mates
 * keeps at most 256 characters alive, not the 4 KB of a 128-token batch.
 */
const BATCH_TOKENS = 8;
const pool = Buffer.alloc(TOKEN_BYTES * POOL_TOKENS);
let poolOffset = pool.length;
let batch = '';
let batchOffset = 0;

/**
 * A fresh owner token: 128 bits from the CSPRNG, as 32 hex characters. Unique per
 * acquisition, so a stale owner can never pass another owner's check. Bytes are drawn from
 * the CSPRNG in batches (as `crypto.randomUUID()` does) and turned into hex a batch at a
 * time; each byte is used once.
 */
export function newOwnerToken(): string {
  if (batchOffset >= batch.length) {
    if (poolOffset >= pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    batch = pool.toString('hex', poolOffset, poolOffset + TOKEN_BYTES * BATCH_TOKENS);
    poolOffset += TOKEN_BYTES * BATCH_TOKENS;
    batchOffset = 0;
  }
  const token = batch.substring(batchOffset, batchOffset + TOKEN_CHARS);
  batchOffset += TOKEN_CHARS;
  return token;
}
