// The per-patron access timeline of the privacy console: requests that touched one patron's
// record, counted per UTC day, basis and outcome in one grouped statement (rows found through the
// pseudonyms of keys still alive, as the audit explorer finds them).
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { AccessBasis, AuditOutcome } from '../domain/vocabulary.js';
import { badInput } from '../domain/errors.js';
import { queryRows } from '../db/query-rows.js';

export interface AccessTimelineDayNode {
  /** YYYY-MM-DD (UTC). */
  day: string;
  basis: AccessBasis | null;
  outcome: AuditOutcome;
  accesses: number;
}

const DAY_MS = 86_400_000;
/** The longest range one timeline covers. */
const MAX_TIMELINE_DAYS = 366;

/** Checks the range once, at the boundary: from before to, at most MAX_TIMELINE_DAYS apart. */
export function timelineRange(
  from: Date | string,
  to: Date | string,
): { fromMs: number; toMs: number } {
  const fromMs = new Date(from).getTime();
  const toMs = new Date(to).getTime();
  if (!(fromMs < toMs)) throw badInput('from must be before to.', 'from');
  if (toMs - fromMs > MAX_TIMELINE_DAYS * DAY_MS)
    throw badInput(`The range may cover at most ${MAX_TIMELINE_DAYS} days.`, 'to');
  return { fromMs, toMs };
}

export async function accessTimeline(
  db: Db,
  patronId: string,
  range: { fromMs: number; toMs: number },
): Promise<AccessTimelineDayNode[]> {
  const rows = await queryRows<{
    day: string;
    basis: AccessBasis | null;
    outcome: AuditOutcome;
    accesses: string | number;
  }>(
    db,
    sql`
    select to_char(to_timestamp(e.at_ms / 1000.0) at time zone 'UTC', 'YYYY-MM-DD') as day,
      e.basis, e.outcome, count(distinct e.request_id) as accesses
    from audit_events e
    where e.seq in (select audit_events_about(${patronId}))
      and e.at_ms >= ${range.fromMs} and e.at_ms < ${range.toMs}
    group by 1, 2, 3
    order by 1, 2 nulls last, 3`,
  );
  return rows.map((r) => ({ ...r, accesses: Number(r.accesses) }));
}
