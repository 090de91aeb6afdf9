// A signed head: the position of the audit chain at one moment (sequence number and row hash),
// HMAC-signed with the checkpoint key, as it leaves the database for the witnesses. It lists its
// chains as an array so that one head can later commit to several chains at once; today there is
// one, `audit_events`.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CheckpointKey } from './checkpoints.js';

export const HEAD_FORMAT = 'patron-records/audit-head/v1' as const;
/** The one chain of today's log. */
export const AUDIT_CHAIN = 'audit_events';

export interface ChainHead {
  chain: string;
  seq: number;
  hash: string;
}

export interface SignedHead {
  format: typeof HEAD_FORMAT;
  signedAtMs: number;
  keyId: string;
  heads: ChainHead[];
  /** HMAC-SHA256(key, signedText(head)), hex. */
  signature: string;
}

/** The exact text the signature covers: format, time, key and every chain head, in order. */
function signedText(h: Omit<SignedHead, 'signature'>): string {
  return JSON.stringify([
    h.format,
    h.signedAtMs,
    h.keyId,
    h.heads.map((c) => [c.chain, c.seq, c.hash]),
  ]);
}

export function signHead(key: CheckpointKey, heads: ChainHead[], at: Date): SignedHead {
  const unsigned = { format: HEAD_FORMAT, signedAtMs: at.getTime(), keyId: key.id, heads };
  const signature = createHmac('sha256', key.secret).update(signedText(unsigned)).digest('hex');
  return { ...unsigned, signature };
}

export function headSignatureValid(key: CheckpointKey, head: SignedHead): boolean {
  if (head.keyId !== key.id) return false;
  const expected = Buffer.from(
    createHmac('sha256', key.secret).update(signedText(head)).digest('hex'),
    'hex',
  );
  const given = Buffer.from(head.signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The head of one chain in a signed head, if it commits to that chain. */
export function chainHead(head: SignedHead, chain = AUDIT_CHAIN): ChainHead | undefined {
  return head.heads.find((c) => c.chain === chain);
}

/** Parses a head read back from a witness; null when it is not one (the verifier reports it). */
export function parseHead(text: string): SignedHead | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  const h = v as Partial<SignedHead> | null;
  if (
    !h ||
    h.format !== HEAD_FORMAT ||
    typeof h.signedAtMs !== 'number' ||
    typeof h.keyId !== 'string' ||
    typeof h.signature !== 'string' ||
    !Array.isArray(h.heads) ||
    !h.heads.every(
      (c: Partial<ChainHead>) =>
        typeof c?.chain === 'string' &&
        Number.isSafeInteger(c.seq) &&
        (c.seq as number) > 0 &&
        typeof c.hash === 'string',
    )
  )
    return null;
  return h as SignedHead;
}
