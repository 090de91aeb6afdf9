// Reading the audit log: the custodian's filtered, paged view of events, and a patron's access
// log (who else read their record). Patrons are found through the pseudonyms of the keys still
// alive, computed in SQL, so key material never leaves the database.
import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditEvents, type AuditEventRow } from '../db/schema/audit.sql.js';
import { STAFF_ROLES, type Role } from '../auth/principal.js';
import { badInput } from '../domain/errors.js';
import type { AccessBasis, AuditOutcome, PiiCategory } from '../domain/vocabulary.js';
import { perPatronLoader } from '../repositories/loaders.js';
import type { Page } from '../repositories/paging.js';
import { queryRows } from '../db/query-rows.js';

/** The custodian's filter of the audit log (the SDL's AuditEventFilter input). */
export interface AuditEventFilter {
  patronId?: string | null;
  principalId?: string | null;
  outcome?: AuditOutcome | null;
  basis?: AccessBasis | null;
  basisRef?: string | null;
  from?: Date | string | null;
  to?: Date | string | null;
}

export interface AccessLogEntryNode {
  /** The patron whose log this entry belongs to (the field rules decide on it). */
  patronId: string;
  at: Date;
  roles: string[];
  staffId: string | null;
  thirdPartyId: string | null;
  categories: PiiCategory[];
  basis: AccessBasis | null;
  basisRef: string | null;
  lastSeq: number;
}

const encodeSeqCursor = (seq: number) => Buffer.from(`seq:${seq}`, 'utf8').toString('base64url');

export function decodeSeqCursor(cursor: string | null | undefined): number | null {
  if (cursor == null) return null;
  const m = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw badInput('after is not a valid cursor.', 'after');
  return Number(m[1]);
}

function toSeqPage<T>(rows: T[], size: number, seqOf: (row: T) => number): Page<T> {
  const nodes = rows.slice(0, size);
  const last = nodes.at(-1);
  return {
    nodes,
    pageInfo: {
      hasNextPage: rows.length > size,
      endCursor: last ? encodeSeqCursor(seqOf(last)) : null,
    },
  };
}

interface AccessLogKey {
  patronId: string;
  size: number;
  afterSeq: number | null;
}

const STAFF = new Set<string>(STAFF_ROLES);
const THIRD_PARTY = new Set<Role | string>(['requester', 'vendor']);

export class AuditLogReader {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  async events(
    filter: AuditEventFilter | null | undefined,
    size: number,
    afterSeq: number | null,
  ): Promise<Page<AuditEventRow>> {
    const e = auditEvents;
    const f = filter ?? {};
    const where: (SQL | undefined)[] = [
      f.patronId ? sql`${e.seq} in (select audit_events_about(${f.patronId}))` : undefined,
      f.principalId
        ? sql`(${e.principalId} = ${f.principalId} or ${e.principalId} in (select audit_pseudonyms_of(${f.principalId})))`
        : undefined,
      f.outcome ? eq(e.outcome, f.outcome) : undefined,
      f.basis ? eq(e.basis, f.basis) : undefined,
      f.basisRef ? eq(e.basisRef, f.basisRef) : undefined,
      f.from ? gte(e.atMs, new Date(f.from).getTime()) : undefined,
      f.to ? lt(e.atMs, new Date(f.to).getTime()) : undefined,
      afterSeq !== null ? lt(e.seq, afterSeq) : undefined,
    ];
    const rows = await this.db
      .select()
      .from(e)
      .where(and(...where))
      .orderBy(desc(e.seq))
      .limit(size + 1);
    return toSeqPage(rows, size, (r) => r.seq);
  }

  /** A page of each patron's access log; one query per distinct (size, after) however many patrons. */
  readonly accessLog = perPatronLoader<AccessLogKey, Page<AccessLogEntryNode>>(
    (k) => `${k.size}|${k.afterSeq}`,
    async ({ size, afterSeq }, patronIds) => {
      const rows = await this.accessLogRows(patronIds, size, afterSeq);
      return (patronId) =>
        toSeqPage(
          rows.filter((r) => r.patronId === patronId),
          size,
          (r) => r.lastSeq,
        );
    },
  );

  private async accessLogRows(
    patronIds: string[],
    size: number,
    afterSeq: number | null,
  ): Promise<AccessLogEntryNode[]> {
    // One entry per (request, who, basis): the categories of that request's reads merged. The
    // patron's own reads are left out, and so is everything under a disclosure request whose
    // nondisclosure order is still in force.
    const rows = await queryRows<{
      owner: string;
      at_ms: string | number;
      principal_id: string | null;
      principal_roles: string[];
      basis: AccessBasis | null;
      basis_ref: string | null;
      categories: PiiCategory[] | null;
      last_seq: string | number;
    }>(
      this.db,
      sql`
      with owners as (
        select k.patron_id as owner, k.pseudonym
        from audit_subject_keys k where k.patron_id = any(${sql.param(patronIds)})
      ), listed as (
        -- Format 1 names one subject a row, formats 2 and 3 list them (GIN index); a row is one or the other.
        select o.owner, e.* from owners o join audit_events e on e.subject = o.pseudonym
        union all
        select o.owner, e.* from owners o join audit_events e on e.subjects @> array[o.pseudonym]
      ), about as (
        select * from listed
        union all
        -- Format 3: the request's other groups over the same patrons point back to the listing row.
        select l.owner, e.* from listed l join audit_events e on e.chain = l.chain and e.subjects_from = l.chain_seq
      ), entries as (
        select e.owner, e.request_id, min(e.at_ms) as at_ms, e.principal_id, e.principal_roles, e.basis, e.basis_ref,
          array_agg(distinct e.category) filter (where e.category is not null) as categories, max(e.seq) as last_seq
        from about e
        where e.outcome = 'GRANTED' and e.basis <> 'SELF'
          and not (e.basis = 'DISCLOSURE' and e.basis_ref in (
            select d.id from disclosure_requests d where d.nondisclosure_until > ${this.now().toISOString()}::timestamptz))
        group by e.owner, e.request_id, e.principal_kind, e.principal_id, e.principal_roles, e.basis, e.basis_ref
        having ${afterSeq === null ? sql`true` : sql`max(e.seq) < ${afterSeq}`}
      ), ranked as (
        select entries.*, row_number() over (partition by owner order by last_seq desc) as rank from entries
      )
      select * from ranked where rank <= ${size + 1} order by owner, rank`,
    );
    return rows.map((r) => {
      const roles = r.principal_roles;
      return {
        patronId: r.owner,
        at: new Date(Number(r.at_ms)),
        roles,
        staffId: roles.some((x) => STAFF.has(x)) ? r.principal_id : null,
        thirdPartyId:
          !roles.some((x) => STAFF.has(x)) && roles.some((x) => THIRD_PARTY.has(x))
            ? r.principal_id
            : null,
        categories: r.categories ?? [],
        basis: r.basis,
        basisRef: r.basis_ref,
        lastSeq: Number(r.last_seq),
      };
    });
  }
}
