// Walks the audit log against its signed checkpoints. Finds the first sequence number that cannot
// be proven: a missing or misplaced row (gap, reorder), a row whose hash does not match its
// content and predecessor (edit), a chain rewritten consistently but disagreeing with a signed
// checkpoint (superuser rewrite), a forged checkpoint, or rows missing below a checkpoint
// (truncated tail). Rows after the last checkpoint are only as safe as the chain itself.
import { asc, gt } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditCheckpoints, auditEvents } from '../db/schema/audit.sql.js';
import { GENESIS_HASH, chainHash } from './canonical.js';
import { checkpointValid, type CheckpointKey } from './checkpoints.js';

export type VerifyResult =
  | { intact: true; events: number; checkpoints: number; lastCheckpointSeq: number | null }
  | { intact: false; firstBadSeq: number; reason: string };

const PAGE = 2000;

export async function verifyAuditLog(db: Db, key: CheckpointKey): Promise<VerifyResult> {
  const checkpoints = await db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.seq));
  const findings: { seq: number; reason: string }[] = [];
  const signed = new Map<number, string>();
  for (const c of checkpoints) {
    if (c.keyId !== key.id || !checkpointValid(key, c.seq, c.rowHash, c.signature)) {
      findings.push({ seq: c.seq, reason: `checkpoint at seq ${c.seq} is not signed by this key` });
    } else {
      signed.set(c.seq, c.rowHash);
    }
  }

  let expected = 1;
  let previous = GENESIS_HASH;
  let lastGoodCheckpoint = 0;
  walk: for (;;) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(gt(auditEvents.seq, expected - 1))
      .orderBy(asc(auditEvents.seq))
      .limit(PAGE);
    for (const row of rows) {
      if (row.seq !== expected) {
        findings.push({
          seq: expected,
          reason: `row ${expected} is missing (next row is ${row.seq})`,
        });
        break walk;
      }
      const hash = chainHash(previous, row);
      if (hash !== row.rowHash) {
        findings.push({
          seq: row.seq,
          reason: `row ${row.seq} does not match its hash (edited, moved or forged)`,
        });
        break walk;
      }
      const checkpoint = signed.get(row.seq);
      if (checkpoint !== undefined) {
        if (checkpoint !== hash) {
          // A consistent rewrite: somewhere after the last checkpoint that still agreed.
          findings.push({
            seq: lastGoodCheckpoint + 1,
            reason: `rows ${lastGoodCheckpoint + 1}..${row.seq} disagree with the checkpoint at seq ${row.seq}`,
          });
          break walk;
        }
        lastGoodCheckpoint = row.seq;
      }
      previous = hash;
      expected++;
    }
    if (rows.length < PAGE) break;
  }

  const lastSeq = expected - 1;
  const lastSigned = Math.max(0, ...signed.keys());
  if (lastSigned > lastSeq && !findings.some((f) => f.seq <= lastSeq + 1)) {
    findings.push({
      seq: lastSeq + 1,
      reason: `rows ${lastSeq + 1}..${lastSigned} are missing: a checkpoint signed seq ${lastSigned}`,
    });
  }
  if (findings.length) {
    const first = findings.reduce((a, b) => (b.seq < a.seq ? b : a));
    return { intact: false, firstBadSeq: first.seq, reason: first.reason };
  }
  return {
    intact: true,
    events: lastSeq,
    checkpoints: signed.size,
    lastCheckpointSeq: lastSigned || null,
  };
}
