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

/**
 * Whether a client's text can be an id at all (ours, or a partner's in a reference): short, and
 * only letters, digits and `_ : . -`. Anything else (a NUL byte, which PostgreSQL's text refuses;
 * an enormous string) is refused at the boundary as BAD_USER_INPUT, never sent to the database.
 */
export const isWellFormedId = (s: string): boolean => /^[A-Za-z0-9_:.-]{1,64}$/.test(s);
