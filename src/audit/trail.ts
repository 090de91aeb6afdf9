// The one door through which audit rows are added from outside src/audit: the authorization rules
// and the services call these; resolvers never do. A request's rows go to its buffer (buffer.ts),
// which the audit plugin and the mutation wrapper append; a job's row is appended at once.
import { AuditBuffer, type AuditRow } from './buffer.js';
import type { AuditActor, AuditWriter, RequestFacts } from './writer.js';

/** A request's audit rows, as the door's callers hold them (the context's `audit`). */
export type AuditTrail = AuditBuffer;

/** One field's access, granted or refused, on the decision's basis. */
export function recordAccess(trail: AuditTrail, ...access: Parameters<AuditBuffer['record']>) {
  trail.record(...access);
}

/** The row a patron's decision shares with the fields decided alike in this request. */
export function decisionRow(trail: AuditTrail, ...of: Parameters<AuditBuffer['rowOf']>): AuditRow {
  return trail.rowOf(...of);
}

/** A row of its own: a refusal at a root field, a failed rule, a mutation's outcome. */
export function outcomeRow(trail: AuditTrail, ...row: Parameters<AuditBuffer['row']>): AuditRow {
  return trail.row(...row);
}

/** A field added to a row, released or not. */
export function addField(trail: AuditTrail, ...field: Parameters<AuditBuffer['addField']>) {
  trail.addField(...field);
}

/** A job's row (the retention job's, under the system principal): no subject, category or basis. */
export interface JobRow {
  typeName: string;
  rule: string;
  /** Recorded as released fields ("loansAnonymised=12"). */
  fields: readonly string[];
}

/** Appends a job's row as its own request, outside any GraphQL request. */
export async function appendJobRow(
  writer: AuditWriter,
  actor: AuditActor,
  facts: RequestFacts,
  { typeName, rule, fields }: JobRow,
): Promise<void> {
  const job = new AuditBuffer();
  const row = job.row(null, typeName, null, 'GRANTED', null, null, rule);
  for (const field of fields) job.addField(row, field, true);
  await writer.append(actor, facts, job.entries());
}
