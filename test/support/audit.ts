// Reading the audit log back in tests: each row's fields as "patron|Type|field|OUTCOME|BASIS|ref"
// strings, with pseudonyms mapped back to patron ids through the live keys. And the principal and
// the one-request append the audit writer's tests share.
import { SYSTEM, type Principal } from '../../src/auth/principal.js';
import { AuditBuffer } from '../../src/audit/buffer.js';
import type { AuditWriter } from '../../src/audit/writer.js';
import { grant } from '../../src/domain/decision.js';
import type { TestServer } from './server.js';

export async function decisionsOf(t: TestServer, requestId: string): Promise<string[]> {
  const names = new Map(
    (
      await t.db.raw(
        'select patron_id, audit_pseudonym(pads, patron_id) as p from audit_subject_keys',
      )
    ).map((r) => [r.p as string, r.patron_id as string]),
  );
  const rows = await t.db.raw(
    'select format, chain, chain_seq, subject, subjects, subjects_from, type_name, fields, outcome, basis, basis_ref from audit_events where request_id = $1',
    [requestId],
  );
  // Format 3 lists a subject list once a request; the request's other groups point back to it.
  const lists = new Map(rows.map((r) => [`${r.chain}:${r.chain_seq}`, r.subjects as string[]]));
  const out: string[] = [];
  for (const r of rows) {
    // Formats 2 and 3 list a decision group's subjects (none: an anonymised record); format 1 names one.
    const pseudonyms =
      r.format === 1
        ? [r.subject as string | null]
        : ((r.subjects as string[] | null) ?? lists.get(`${r.chain}:${r.subjects_from}`)!);
    for (const p of pseudonyms.length ? pseudonyms : [null]) {
      const subject = p === null ? '-' : (names.get(p) ?? '?unlinkable');
      for (const f of r.fields as string[])
        out.push(
          `${subject}|${r.type_name}|${f}|${r.outcome}|${r.basis ?? '-'}|${r.basis_ref ?? '-'}`,
        );
    }
  }
  return out.sort();
}

let n = 0;
/** A fresh, valid request id to send as x-request-id, so a test can find its request's rows. */
export const nextRequestId = (label: string) =>
  `${label}-${process.pid}-${++n}-${Date.now()}`.slice(0, 64);

/** The exact fail-closed answer (invariant 4): 503, no data, the request id to quote. */
export function auditUnavailable(requestId: string): [number, Record<string, unknown>] {
  return [
    503,
    {
      data: null,
      errors: [
        {
          message:
            'The access could not be recorded, so nothing is returned. Quote the request id to an administrator.',
          extensions: { code: 'AUDIT_UNAVAILABLE', requestId },
        },
      ],
      extensions: { requestId },
    },
  ];
}

/** Circulation staff as the audit writer's tests act: the principal a staff token gives. */
export const CIRCULATION_STAFF: Principal = {
  ...SYSTEM,
  kind: 'user',
  id: 'staff_circ',
  roles: new Set(['circulation']),
};

/** One request of circulation staff reading a patron's name, through `writer`'s group commit. */
export function appendNameRead(
  writer: AuditWriter,
  requestId: string,
  patronId: string,
  operationName: string | null = null,
): Promise<void> {
  const buffer = new AuditBuffer();
  buffer.record(patronId, 'Patron', 'name', 'IDENTITY', 'pii:IDENTITY', grant('STAFF_PURPOSE'));
  return writer.append(
    {
      principal: CIRCULATION_STAFF,
      requestId,
      purpose: 'CIRCULATION_DESK',
      viaRouter: false,
      now: () => new Date(),
    },
    { operationName, documentHash: null },
    buffer.entries(),
  );
}
