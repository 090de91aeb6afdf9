// Dropping a month of the audit log (an owner's act: DROP needs the table's owner). Never silent:
// the log is verified first, then a signed record of what goes (per chain, the runs of positions,
// the hash of each run's last row, the row count) is published to every witness and stored, and
// only then is the partition dropped. audit:verify accepts exactly the positions such a record
// names and resumes each chain from the hash it recorded; any other missing row is a finding.
import { sql } from 'drizzle-orm';
import { inTransaction, type Db } from '../db/client.js';
import { chainHeads, writeSignedHead } from '../audit/checkpoints.js';
import type { CheckpointKey } from '../audit/heads.js';
import { signHead, type Dropped, type SignedHead } from '../audit/heads.js';
import { queryRows } from '../db/query-rows.js';
import { verifyAuditLog } from '../audit/verify.js';
import type { Witness } from '../audit/witness.js';

class PartitionDropRefused extends Error {
  override name = 'PartitionDropRefused';
}

/** The month partitions whose month ended at or before `before` (oldest first). */
export async function auditPartitionsBefore(db: Db, before: Date): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`select c.relname as name from pg_inherits i
      join pg_class c on c.oid = i.inhrelid join pg_namespace n on n.oid = c.relnamespace
      where i.inhparent = 'audit_events'::regclass and n.nspname = 'audit_partitions'
        and c.relname ~ '^audit_events_[0-9]{4}_[0-9]{2}$'
        and to_timestamp(substr(c.relname, 14), 'YYYY_MM') + interval '1 month' <= ${before.toISOString()}::timestamptz
      order by c.relname`,
  );
  return rows.map((r) => r.name);
}

/** Signs, witnesses and stores what `partition` holds, then drops it. Returns the record. */
export async function dropAuditPartition(
  db: Db,
  key: CheckpointKey,
  witnesses: readonly Witness[],
  partition: string,
  at: Date,
): Promise<SignedHead> {
  if (!/^audit_events_[0-9]{4}_[0-9]{2}$/.test(partition))
    throw new PartitionDropRefused(`${partition} is not a month partition of audit_events`);
  const verified = await verifyAuditLog(db, key, witnesses);
  if (!verified.intact)
    throw new PartitionDropRefused(
      `the audit log does not verify (chain ${verified.chain}, seq ${verified.firstBadSeq}): nothing dropped`,
    );
  const table = sql.raw(`audit_partitions."${partition}"`);
  return inTransaction(db, async (tx) => {
    // Nothing may arrive in the partition between the record and the drop.
    await tx.execute(sql`lock table ${table} in access exclusive mode`);
    // Runs of consecutive positions per chain (a chain's rows of one month are usually one run).
    const runs = await queryRows<{
      chain: string;
      lo: string | number;
      hi: string | number;
      last_hash: string;
      n: string | number;
    }>(
      tx,
      sql`select c.name as chain, min(r.chain_seq) as lo, max(r.chain_seq) as hi, count(*) as n,
          (array_agg(r.row_hash order by r.chain_seq desc))[1] as last_hash
        from (select e.chain, e.chain_seq, e.row_hash, e.chain_seq - row_number() over (partition by e.chain order by e.chain_seq) as island
              from ${table} e) r
        join audit_chains c on c.id = r.chain
        group by c.id, c.name, r.island order by c.id, min(r.chain_seq)`,
    );
    const dropped: Dropped = { partition, rows: 0, chains: [] };
    for (const r of runs) {
      dropped.rows += Number(r.n);
      let c = dropped.chains.find((x) => x.chain === r.chain);
      if (!c) dropped.chains.push((c = { chain: r.chain, runs: [] }));
      c.runs.push({ from: Number(r.lo), to: Number(r.hi), lastHash: r.last_hash });
    }
    const record = signHead(key, await chainHeads(tx), at, dropped);
    for (const w of witnesses) await w.publish(record);
    await writeSignedHead(tx, 'drop', record);
    await tx.execute(sql`drop table ${table}`);
    return record;
  });
}
