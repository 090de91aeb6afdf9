// The one door through which a request's audit rows are added from outside src/audit: the
// authorization rules and the services call these; resolvers never do. The rows go to the
// request's buffer (buffer.ts), which the audit plugin and the mutation wrapper append.
import type { AuditBuffer, AuditRow } from './buffer.js';

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
