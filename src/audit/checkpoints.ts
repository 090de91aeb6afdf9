// Signed checkpoints: HMAC-SHA256 over (seq, row_hash) with a key that never enters the database.
// A superuser who rewrites the log (and recomputes every hash after the edit) cannot produce a
// matching signature, so the verifier sees where the chain stops agreeing with a checkpoint.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditCheckpoints } from '../db/schema/audit.sql.js';
import { queryRows } from './sql.js';

export interface CheckpointKey {
  /** First 16 hex digits of sha256(key): names the key without revealing it. */
  readonly id: string;
  readonly secret: Buffer;
}

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

export async function writeCheckpoint(
  db: Db,
  key: CheckpointKey,
  seq: number,
  rowHash: string,
  at: Date,
): Promise<void> {
  await db
    .insert(auditCheckpoints)
    .values({
      seq,
      rowHash,
      signedAtMs: at.getTime(),
      keyId: key.id,
      signature: signCheckpoint(key, seq, rowHash),
    })
    .onConflictDoNothing();
}

/** Signs the current head of the chain (if any row exists); returns its seq. */
export async function checkpointHead(db: Db, key: CheckpointKey, at: Date): Promise<number | null> {
  const [head] = await queryRows<{ seq: string | number; row_hash: string }>(
    db,
    sql`select seq, row_hash from audit_events order by seq desc limit 1`,
  );
  if (!head) return null;
  await writeCheckpoint(db, key, Number(head.seq), head.row_hash, at);
  return Number(head.seq);
}
