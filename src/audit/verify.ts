// Walks the audit log against its signed checkpoints. Finds the first sequence number that cannot
// be proven: a missing or misplaced row (gap, reorder), a row whose hash does not match its
// content and predecessor (edit), a chain rewritten consistently but disagreeing with a signed
// checkpoint (superuser rewrite), a forged checkpoint, or rows missing below a checkpoint
// (truncated tail). With witnesses, the same holds against every head they keep outside the
// database, so deleting rows together with their checkpoint rows (a rollback, a wipe, an older
// backup, a re-hashed forgery) is found too. Rows after the last witnessed head are only as safe
// as the database.
import { asc, gt } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditCheckpoints, auditEvents } from '../db/schema/audit.sql.js';
import { GENESIS_HASH, chainHash } from './canonical.js';
import { checkpointValid, type CheckpointKey } from './checkpoints.js';
import { chainHead, headSignatureValid } from './heads.js';
import type { Witness } from './witness.js';

export type VerifyResult =
  | {
      intact: true;
      events: number;
      checkpoints: number;
      lastCheckpointSeq: number | null;
      /** Heads the witnesses hold (0 without a witness), and the highest. */
      witnessedHeads: number;
      lastWitnessedSeq: number | null;
    }
  | { intact: false; firstBadSeq: number; reason: string };

const PAGE = 2000;

export async function verifyAuditLog(
  db: Db,
  key: CheckpointKey,
  witnesses: readonly Witness[] = [],
): Promise<VerifyResult> {
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
  const witnessed = await witnessedHeads(key, witnesses, findings);

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
      const head = witnessed.get(row.seq);
      if (head !== undefined && head.hash !== hash) {
        findings.push({
          seq: lastGoodCheckpoint + 1,
          reason: `rows ${lastGoodCheckpoint + 1}..${row.seq} disagree with the head ${head.witness} witnessed at seq ${row.seq} (rewritten or forked)`,
        });
        break walk;
      }
      if (head !== undefined) lastGoodCheckpoint = row.seq;
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
  const lastWitnessed = Math.max(0, ...witnessed.keys());
  if (lastWitnessed > lastSeq && !findings.some((f) => f.seq <= lastSeq + 1)) {
    findings.push({
      seq: lastSeq + 1,
      reason: `rows ${lastSeq + 1}..${lastWitnessed} are missing: ${witnessed.get(lastWitnessed)!.witness} witnessed a head at seq ${lastWitnessed} (rolled back, wiped or restored from an older copy)`,
    });
  }
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
    witnessedHeads: witnessed.size,
    lastWitnessedSeq: lastWitnessed || null,
  };
}

/**
 * The audit chain's heads the witnesses hold, by seq, once each signature is checked. A head signed
 * by another key, an unreadable witness file, or two different heads at one seq are findings.
 */
async function witnessedHeads(
  key: CheckpointKey,
  witnesses: readonly Witness[],
  findings: { seq: number; reason: string }[],
): Promise<Map<number, { hash: string; witness: string }>> {
  const out = new Map<number, { hash: string; witness: string }>();
  for (const w of witnesses) {
    const { heads, invalid } = await w.heads();
    for (const name of invalid)
      findings.push({ seq: 1, reason: `${w.name} holds ${name}, which is not a signed head` });
    for (const h of heads) {
      const c = chainHead(h);
      if (!c) continue;
      if (!headSignatureValid(key, h)) {
        findings.push({
          seq: c.seq,
          reason: `the head ${w.name} holds at seq ${c.seq} is not signed by this key`,
        });
        continue;
      }
      const seen = out.get(c.seq);
      if (seen && seen.hash !== c.hash) {
        findings.push({ seq: c.seq, reason: `witnesses hold two different heads at seq ${c.seq}` });
        continue;
      }
      out.set(c.seq, { hash: c.hash, witness: w.name });
    }
  }
  return out;
}
