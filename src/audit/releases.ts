// The release record of a disclosure request, read from the audit log: exactly the (patron, type,
// field) triples the requester resolved under that request. Reads of the request object itself
// (its status, its scope) are the requester's own paperwork, not a release, and are left out.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/query-rows.js';

export interface DisclosureReleaseNode {
  /** The disclosure request (the field rules decide on it). */
  requestId: string;
  /** Null once retention destroyed the key linking those audit rows to the patron. */
  patronId: string | null;
  typeName: string;
  field: string;
}

const REQUEST_TYPES = ['DisclosureRequest', 'DisclosureEvent', 'DisclosureRelease'];

export async function releasesOf(db: Db, requestId: string): Promise<DisclosureReleaseNode[]> {
  const rows = await queryRows<{ patron_id: string | null; type_name: string; field: string }>(
    db,
    sql`
    with names as (
      select p.patron_id, k.pseudonym
      from disclosure_request_patrons p join audit_subject_keys k on k.patron_id = p.patron_id
      where p.request_id = ${requestId}
    )
    select distinct n.patron_id, e.type_name, f.field
    from audit_events e cross join lateral unnest(e.fields) as f(field)
      -- format 1: one subject a row; formats 2 and 3: the group's subjects (none: an anonymised
      -- record), in format 3 possibly listed on an earlier row of the request's chain
      cross join lateral unnest(coalesce(nullif(coalesce(e.subjects, (
        select l.subjects from audit_events l where l.chain = e.chain and l.chain_seq = e.subjects_from and l.at_ms = e.at_ms
      )), '{}'::text[]), array[e.subject])) as s(pseudonym)
    left join names n on n.pseudonym = s.pseudonym
    where e.basis = 'DISCLOSURE' and e.basis_ref = ${requestId} and e.outcome = 'GRANTED'
      and e.type_name <> all(${sql.param(REQUEST_TYPES)})
    order by n.patron_id, e.type_name, f.field`,
  );
  return rows.map((r) => ({
    requestId,
    patronId: r.patron_id,
    typeName: r.type_name,
    field: r.field,
  }));
}
