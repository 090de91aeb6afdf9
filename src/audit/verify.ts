// Walks every chain of the audit log against its signed heads. Finds, per chain, the first
// position that cannot be proven: a missing, repeated or misplaced row (gap, reorder), a row whose
// hash does not match its content and predecessor (edit), a chain rewritten consistently but
// disagreeing with a signed head (superuser rewrite), a forged head, or rows missing below a
// signed head or below the chain's own head (truncated tail). Every checkpoint commits to all
// chains at once, so each of its heads is checked. With witnesses, the same holds against every
// head they keep outside the database, so deleting rows together with their checkpoints (a
// rollback, a wipe, an older backup, a re-hashed forgery) is found too. Positions a signed drop
// record says retention removed are accepted (the chain resumes from the hash it recorded); any
// other missing row is a finding. Rows after the last witnessed head are only as safe as the database.
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditChains, auditCheckpoints, auditEvents, auditHeads } from '../db/schema/audit.sql.js';
import { GENESIS_HASH, chainHash } from './canonical.js';
import { checkpointValid } from './checkpoints.js';
import {
  AUDIT_CHAIN,
  headSignatureValid,
  parseHead,
  type CheckpointKey,
  type DroppedRun,
  type SignedHead,
} from './heads.js';
import { queryRows } from '../db/query-rows.js';
import type { Witness } from './witness.js';

export type VerifyResult =
  | {
      intact: true;
      /** Rows walked, in how many chains. */
      events: number;
      chains: number;
      /** Signed heads in the database (earlier releases' checkpoints included). */
      checkpoints: number;
      /** Heads the witnesses hold (0 without a witness). */
      witnessedHeads: number;
      /** Rows removed by retention drops, each under a signed drop record. */
      droppedRows: number;
    }
  | { intact: false; chain: string; firstBadSeq: number; reason: string };

interface Finding {
  chain: string;
  seq: number;
  reason: string;
}

/** A position some signed head vouches for, and who holds that head. */
interface Signed {
  hash: string;
  by: string | null;
}

const PAGE = 2000;

export async function verifyAuditLog(
  db: Db,
  key: CheckpointKey,
  witnesses: readonly Witness[] = [],
): Promise<VerifyResult> {
  const findings: Finding[] = [];
  const signed = new Map<string, Map<number, Signed>>();
  const witnessed = new Map<string, Map<number, Signed>>();
  const drops = new Map<string, DroppedRun[]>();
  const vouch = (
    into: typeof signed,
    chain: string,
    seq: number,
    hash: string,
    by: string | null,
  ) => {
    let positions = into.get(chain);
    if (!positions) into.set(chain, (positions = new Map()));
    const seen = positions.get(seq);
    if (seen && seen.hash !== hash)
      findings.push({ chain, seq, reason: `two different signed heads at seq ${seq}` });
    else positions.set(seq, { hash, by });
  };
  const dropSeen = new Set<string>();
  const takeHead = (h: SignedHead, into: typeof signed, by: string | null) => {
    for (const c of h.heads) vouch(into, c.chain, c.seq, c.hash, by);
    if (h.dropped && !dropSeen.has(h.signature)) {
      dropSeen.add(h.signature);
      for (const c of h.dropped.chains)
        drops.set(c.chain, [...(drops.get(c.chain) ?? []), ...c.runs]);
    }
  };

  let checkpoints = 0;
  for (const c of await db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.seq))) {
    if (c.keyId !== key.id || !checkpointValid(key, c.seq, c.rowHash, c.signature)) {
      findings.push({
        chain: AUDIT_CHAIN,
        seq: c.seq,
        reason: `checkpoint at seq ${c.seq} is not signed by this key`,
      });
    } else {
      checkpoints++;
      vouch(signed, AUDIT_CHAIN, c.seq, c.rowHash, null);
    }
  }
  for (const row of await db.select().from(auditHeads).orderBy(asc(auditHeads.id))) {
    const h = parseHead(row.head);
    if (!h || !headSignatureValid(key, h)) {
      const first = h?.heads[0];
      findings.push({
        chain: first?.chain ?? AUDIT_CHAIN,
        seq: first?.seq ?? 1,
        reason: `the ${row.kind} signed at ${new Date(row.signedAtMs).toISOString()} is not signed by this key`,
      });
      continue;
    }
    checkpoints++;
    takeHead(h, signed, null);
  }
  let witnessedHeads = 0;
  for (const w of witnesses) {
    const { heads, invalid } = await w.heads();
    for (const name of invalid)
      findings.push({
        chain: AUDIT_CHAIN,
        seq: 1,
        reason: `${w.name} holds ${name}, which is not a signed head`,
      });
    for (const h of heads) {
      if (!headSignatureValid(key, h)) {
        const first = h.heads[0];
        findings.push({
          chain: first?.chain ?? AUDIT_CHAIN,
          seq: first?.seq ?? 1,
          reason: `the head ${w.name} holds at seq ${first?.seq} is not signed by this key`,
        });
        continue;
      }
      witnessedHeads++;
      takeHead(h, witnessed, w.name);
    }
  }

  const chains = await db.select().from(auditChains).orderBy(asc(auditChains.id));
  const names = new Set(chains.map((c) => c.name));
  // A chain some head vouches for but the database no longer has: all of it is missing.
  const lost = [...new Set([...signed.keys(), ...witnessed.keys()])].filter((n) => !names.has(n));
  let events = 0;
  let droppedRows = 0;
  const walked = new Map<number, number>();
  for (const chain of [
    ...chains,
    ...lost.map((name) => ({ id: null, name, headSeq: 0, headHash: '' })),
  ]) {
    const r = await walkChain(db, chain, {
      signed: signed.get(chain.name) ?? new Map(),
      witnessed: witnessed.get(chain.name) ?? new Map(),
      drops: drops.get(chain.name) ?? [],
    });
    findings.push(...r.findings);
    events += r.rows;
    droppedRows += r.dropped;
    if (chain.id !== null) walked.set(chain.id, r.rows);
  }
  // Every row belongs to a chain, once: rows of an unknown chain (or counted twice) are findings.
  const counts = await queryRows<{ chain: number; n: string | number }>(
    db,
    sql`select chain, count(*) as n from audit_events group by chain`,
  );
  for (const c of counts) {
    const n = Number(c.n);
    const seen = walked.get(c.chain);
    if (seen === undefined)
      findings.push({
        chain: `#${c.chain}`,
        seq: 1,
        reason: `${n} rows belong to chain ${c.chain}, which audit_chains does not list`,
      });
  }

  if (findings.length) {
    const order = new Map([...chains.map((c, i) => [c.name, i] as const)]);
    const first = findings.reduce((a, b) => {
      const oa = order.get(a.chain) ?? Infinity;
      const ob = order.get(b.chain) ?? Infinity;
      return ob < oa || (ob === oa && b.seq < a.seq) ? b : a;
    });
    return { intact: false, chain: first.chain, firstBadSeq: first.seq, reason: first.reason };
  }
  return {
    intact: true,
    events,
    chains: chains.filter((c) => c.headSeq > 0).length,
    checkpoints,
    witnessedHeads,
    droppedRows,
  };
}

async function walkChain(
  db: Db,
  chain: { id: number | null; name: string; headSeq: number; headHash: string },
  vouched: { signed: Map<number, Signed>; witnessed: Map<number, Signed>; drops: DroppedRun[] },
): Promise<{ findings: Finding[]; rows: number; dropped: number }> {
  const findings: Finding[] = [];
  const find = (seq: number, reason: string) => findings.push({ chain: chain.name, seq, reason });
  const dropAt = new Map(vouched.drops.map((d) => [d.from, d]));
  let expected = 1;
  let previous = GENESIS_HASH;
  let lastGood = 0;
  let rows = 0;
  let dropped = 0;
  /** Steps over runs a signed drop record removed: the chain resumes from the hash it recorded. */
  const skipDropped = (next: number) => {
    // Only when the row at `expected` is gone: a record whose drop never happened changes nothing.
    for (let d = dropAt.get(expected); d && next > expected; d = dropAt.get(expected)) {
      for (const [seq, head] of [...vouched.signed, ...vouched.witnessed])
        if (seq === d.to && head.hash !== d.lastHash)
          find(
            d.from,
            `the drop of rows ${d.from}..${d.to} disagrees with a signed head at seq ${d.to}`,
          );
      dropped += d.to - d.from + 1;
      expected = d.to + 1;
      previous = d.lastHash;
      lastGood = d.to;
    }
  };
  walk: for (;;) {
    if (chain.id === null) break;
    const page = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.chain, chain.id), gt(auditEvents.chainSeq, expected - 1)))
      .orderBy(asc(auditEvents.chainSeq))
      .limit(PAGE);
    for (const row of page) {
      skipDropped(row.chainSeq);
      if (row.chainSeq !== expected) {
        find(expected, `row ${expected} is missing (next row is ${row.chainSeq})`);
        break walk;
      }
      const hash = chainHash(previous, row);
      if (hash !== row.rowHash) {
        find(row.chainSeq, `row ${row.chainSeq} does not match its hash (edited, moved or forged)`);
        break walk;
      }
      const head = vouched.witnessed.get(row.chainSeq);
      if (head !== undefined && head.hash !== hash) {
        find(
          lastGood + 1,
          `rows ${lastGood + 1}..${row.chainSeq} disagree with the head ${head.by} witnessed at seq ${row.chainSeq} (rewritten or forked)`,
        );
        break walk;
      }
      if (head !== undefined) lastGood = row.chainSeq;
      const checkpoint = vouched.signed.get(row.chainSeq);
      if (checkpoint !== undefined) {
        if (checkpoint.hash !== hash) {
          // A consistent rewrite: somewhere after the last checkpoint that still agreed.
          find(
            lastGood + 1,
            `rows ${lastGood + 1}..${row.chainSeq} disagree with the checkpoint at seq ${row.chainSeq}`,
          );
          break walk;
        }
        lastGood = row.chainSeq;
      }
      previous = hash;
      expected++;
      rows++;
    }
    if (page.length < PAGE) break;
  }
  if (!findings.length) skipDropped(Infinity);

  const lastSeq = expected - 1;
  const clean = () => !findings.some((f) => f.seq <= lastSeq + 1);
  const lastWitnessed = Math.max(0, ...vouched.witnessed.keys());
  if (lastWitnessed > lastSeq && clean())
    find(
      lastSeq + 1,
      `rows ${lastSeq + 1}..${lastWitnessed} are missing: ${vouched.witnessed.get(lastWitnessed)!.by} witnessed a head at seq ${lastWitnessed} (rolled back, wiped or restored from an older copy)`,
    );
  const lastSigned = Math.max(0, ...vouched.signed.keys());
  if (lastSigned > lastSeq && clean())
    find(
      lastSeq + 1,
      `rows ${lastSeq + 1}..${lastSigned} are missing: a checkpoint signed seq ${lastSigned}`,
    );
  // Rows past the head read at the start may have been appended since (an append moves the head
  // in the same transaction as its rows): the head now says whether they are the writer's.
  if (chain.id !== null && chain.headSeq < lastSeq) {
    const [now] = await db.select().from(auditChains).where(eq(auditChains.id, chain.id));
    if (now && now.headSeq >= lastSeq) {
      if (now.headSeq === lastSeq && now.headHash !== previous && clean())
        find(lastSeq, `the chain's head does not match row ${lastSeq}`);
      return { findings, rows, dropped };
    }
  }
  if (chain.headSeq > lastSeq && clean())
    find(
      lastSeq + 1,
      `rows ${lastSeq + 1}..${chain.headSeq} are missing: the chain's head is at seq ${chain.headSeq}`,
    );
  else if (chain.id !== null && chain.headSeq < lastSeq && !findings.length)
    find(
      chain.headSeq + 1,
      `rows ${chain.headSeq + 1}..${lastSeq} are past the chain's head (seq ${chain.headSeq})`,
    );
  else if (
    chain.id !== null &&
    chain.headSeq === lastSeq &&
    lastSeq > 0 &&
    chain.headHash !== previous &&
    clean()
  )
    find(lastSeq, `the chain's head does not match row ${lastSeq}`);
  return { findings, rows, dropped };
}
