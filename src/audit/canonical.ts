// The canonical text of an audit row, rebuilt from its stored columns. It must equal, byte for
// byte, what the append function hashed: a JSON array in column order, each value as
// JSON.stringify writes it (which is also how PostgreSQL's to_json escapes text). Each row says
// its format, and a format fixes the array: format 1 (drizzle/0004, 0006) one subject per row,
// format 2 (drizzle/0008) one row per decision group, its subjects listed, and a leading 2;
// format 3 (drizzle/0015) a row of a writer's chain: its chain, chain position and log position
// first, and the chain position of the row listing its subjects when an earlier row does.
import { createHash } from 'node:crypto';
import type { AuditEventRow } from '../db/schema/audit.sql.js';

export const GENESIS_HASH = '0'.repeat(64);

/** The columns in hashing order; `subjects` is format 1's subject or format 2's list. */
function columns(r: AuditEventRow, subjects: unknown): unknown[] {
  return [
    r.seq,
    r.atMs,
    r.requestId,
    r.operationName,
    r.documentHash,
    r.principalKind,
    r.principalId,
    r.principalRoles,
    r.purpose,
    subjects,
    r.typeName,
    r.fields,
    r.category,
    r.outcome,
    r.basis,
    r.basisRef,
    r.rule,
    r.viaRouter,
  ];
}

function canonicalText(r: AuditEventRow): string {
  if (r.format === 3) {
    const [, ...rest] = columns(r, r.subjects);
    return JSON.stringify([3, r.chain, r.chainSeq, r.seq, r.subjectsFrom, ...rest]);
  }
  return r.format === 2
    ? JSON.stringify([2, ...columns(r, r.subjects)])
    : JSON.stringify(columns(r, r.subject));
}

/** row_hash = sha256(previous row_hash || canonical text), hex. */
export function chainHash(previousHash: string, row: AuditEventRow): string {
  return createHash('sha256')
    .update(previousHash + canonicalText(row), 'utf8')
    .digest('hex');
}
