// Opaque ids: a type prefix and 16 random base32 characters (80 bits). Never derived from PII.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export type IdPrefix =
  'pat' | 'loan' | 'fine' | 'pay' | 'rc' | 'dr' | 'des' | 'ven' | 'enr' | 'gg' | 'con';

export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(16);
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return `${prefix}_${out}`;
}
