// A signed head: the positions of the audit chains at one moment (per chain, sequence number and
// row hash), HMAC-signed with the checkpoint key, as it leaves the database for the witnesses. A
// checkpoint lists every writer's chain at once; `audit_events` is the one chain of earlier
// releases. A drop record is a signed head that also says what a retention drop removed.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The key heads are signed with (it never enters the database): src/audit/checkpoints.ts loads it. */
export interface CheckpointKey {
  /** First 16 hex digits of sha256(key): names the key without revealing it. */
  readonly id: string;
  readonly secret: Buffer;
}

const HEAD_FORMAT = 'patron-records/audit-head/v1' as const;
/** The chain of earlier releases (chain 0). */
export const AUDIT_CHAIN = 'audit_events';

export interface ChainHead {
  chain: string;
  seq: number;
  hash: string;
}

/** A run of a chain's positions that a retention drop removed, and the hash of its last row. */
export interface DroppedRun {
  from: number;
  to: number;
  lastHash: string;
}

/** What one retention drop removed: a partition's rows, chain by chain. */
export interface Dropped {
  partition: string;
  rows: number;
  chains: { chain: string; runs: DroppedRun[] }[];
}

export interface SignedHead {
  format: typeof HEAD_FORMAT;
  signedAtMs: number;
  keyId: string;
  heads: ChainHead[];
  /** Only on a drop record. */
  dropped?: Dropped;
  /** HMAC-SHA256(key, signedText(head)), hex. */
  signature: string;
}

/** The exact text the signature covers: format, time, key and every chain head, in order. */
function signedText(h: Omit<SignedHead, 'signature'>): string {
  const text: unknown[] = [
    h.format,
    h.signedAtMs,
    h.keyId,
    h.heads.map((c) => [c.chain, c.seq, c.hash]),
  ];
  if (h.dropped)
    text.push([
      h.dropped.partition,
      h.dropped.rows,
      h.dropped.chains.map((c) => [c.chain, c.runs.map((r) => [r.from, r.to, r.lastHash])]),
    ]);
  return JSON.stringify(text);
}

export function signHead(
  key: CheckpointKey,
  heads: ChainHead[],
  at: Date,
  dropped?: Dropped,
): SignedHead {
  const unsigned = {
    format: HEAD_FORMAT,
    signedAtMs: at.getTime(),
    keyId: key.id,
    heads,
    ...(dropped ? { dropped } : {}),
  };
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
    ) ||
    (h.dropped !== undefined && !droppedShape(h.dropped))
  )
    return null;
  return h as SignedHead;
}

function droppedShape(d: Partial<Dropped>): boolean {
  return (
    typeof d.partition === 'string' &&
    Number.isSafeInteger(d.rows) &&
    Array.isArray(d.chains) &&
    d.chains.every(
      (c: Partial<Dropped['chains'][number]>) =>
        typeof c?.chain === 'string' &&
        Array.isArray(c.runs) &&
        c.runs.every(
          (r: Partial<DroppedRun>) =>
            Number.isSafeInteger(r?.from) &&
            Number.isSafeInteger(r?.to) &&
            (r.from as number) > 0 &&
            (r.to as number) >= (r.from as number) &&
            typeof r.lastHash === 'string',
        ),
    )
  );
}
