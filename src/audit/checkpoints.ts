// Signed checkpoints: HMAC-SHA256 with a key that never enters the database, over the head of every
// chain at once (audit_heads, drizzle/0015; earlier releases signed (seq, row_hash) of their one
// chain in audit_checkpoints, which is still verified). A superuser who rewrites the log (and
// recomputes every hash after the edit) cannot produce a matching signature, so the verifier sees
// where a chain stops agreeing with a checkpoint.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditHeads } from '../db/schema/audit.sql.js';
import { signHead, type ChainHead, type CheckpointKey, type SignedHead } from './heads.js';
import { queryRows } from '../db/query-rows.js';
import type { Witness } from './witness.js';

const KEY_FILE = 'audit-checkpoint.key';

export function checkpointKey(secret: string | Buffer): CheckpointKey {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  return { id: createHash('sha256').update(bytes).digest('hex').slice(0, 16), secret: bytes };
}

/**
 * The key from AUDIT_CHECKPOINT_KEY, or (embedded default only; config refuses production without
 * the variable) a random key kept in DATA_DIR, created on first start with mode 0600.
 */
export function loadCheckpointKey(config: {
  AUDIT_CHECKPOINT_KEY?: string | undefined;
  DATA_DIR: string;
}): CheckpointKey {
  if (config.AUDIT_CHECKPOINT_KEY) return checkpointKey(config.AUDIT_CHECKPOINT_KEY);
  const path = join(config.DATA_DIR, KEY_FILE);
  mkdirSync(config.DATA_DIR, { recursive: true });
  try {
    // 'wx': two processes starting together cannot both create it; the loser reads the winner's.
    writeFileSync(path, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return checkpointKey(readFileSync(path, 'utf8').trim());
}

export function signCheckpoint(key: CheckpointKey, seq: number, rowHash: string): string {
  return createHmac('sha256', key.secret).update(`${seq}:${rowHash}`).digest('hex');
}

export function checkpointValid(
  key: CheckpointKey,
  seq: number,
  rowHash: string,
  signature: string,
): boolean {
  const expected = Buffer.from(signCheckpoint(key, seq, rowHash), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Every chain's committed head (chains with no row yet are left out), in chain id order. */
export async function chainHeads(db: Db): Promise<ChainHead[]> {
  const rows = await queryRows<{ name: string; head_seq: string | number; head_hash: string }>(
    db,
    sql`select name, head_seq, head_hash from audit_chains where head_seq > 0 order by id`,
  );
  return rows.map((r) => ({ chain: r.name, seq: Number(r.head_seq), hash: r.head_hash }));
}

/** Stores a signed head (after the witnesses took it: a head counts once it is outside the database). */
export async function writeSignedHead(
  db: Db,
  kind: 'checkpoint' | 'drop',
  head: SignedHead,
): Promise<void> {
  await db.insert(auditHeads).values({
    kind,
    signedAtMs: head.signedAtMs,
    keyId: head.keyId,
    head: JSON.stringify(head),
  });
}

/**
 * Signs the heads of every chain at once, publishes them to every witness, then stores the
 * checkpoint. Returns it, or null when no chain has a row yet. A witness that refuses throws.
 */
export async function checkpointHeads(
  db: Db,
  key: CheckpointKey,
  at: Date,
  witnesses: readonly Witness[] = [],
): Promise<SignedHead | null> {
  const heads = await chainHeads(db);
  if (!heads.length) return null;
  const signed = signHead(key, heads, at);
  for (const witness of witnesses) await witness.publish(signed);
  await writeSignedHead(db, 'checkpoint', signed);
  return signed;
}
