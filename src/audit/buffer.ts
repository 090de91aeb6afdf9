// Collects the access decisions of one request. Rows aggregate by (subject, type, category,
// decision, basis, ref) and list their fields, so every (subject, field, decision, basis) is
// recoverable exactly while a 100-patron page stays a handful of rows.
import type { AccessBasis, PiiCategory } from '../graphql/generated/resolvers-types.js';
import type { Decision } from '../authz/decision.js';

export type AuditOutcome = 'GRANTED' | 'DENIED' | 'FAILED';

export interface AuditRow {
  subjectId: string | null;
  typeName: string;
  category: PiiCategory | null;
  outcome: AuditOutcome;
  basis: AccessBasis | null;
  basisRef: string | null;
  /** The rule that decided, e.g. "pii:IDENTITY". */
  rule: string;
  fields: Set<string>;
}

export class AuditBuffer {
  private readonly rows = new Map<string, AuditRow>();

  record(subjectId: string | null, typeName: string, fieldName: string, category: PiiCategory | null, rule: string, d: Decision): void {
    const outcome: AuditOutcome = d.granted ? 'GRANTED' : 'DENIED';
    const basis = d.granted ? d.basis : null;
    const ref = d.granted ? d.ref : null;
    const key = `${subjectId}\u0001${typeName}\u0001${category}\u0001${outcome}\u0001${basis}\u0001${ref}\u0001${rule}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { subjectId, typeName, category, outcome, basis, basisRef: ref, rule, fields: new Set() };
      this.rows.set(key, row);
    }
    row.fields.add(fieldName);
  }

  get size(): number {
    return this.rows.size;
  }

  entries(): AuditRow[] {
    return [...this.rows.values()];
  }
}
