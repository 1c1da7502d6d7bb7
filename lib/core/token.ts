import { randomBytes } from 'node:crypto';

/**
 * A fresh owner token: 128 bits from the CSPRNG, as 32 hex characters. Unique per
 * acquisition, so a stale owner can never pass another owner's check.
 */
export function newOwnerToken(): string {
  return randomBytes(16).toString('hex');
}
