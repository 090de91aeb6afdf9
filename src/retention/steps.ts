// The retention schedule of each category (regulation 5), as SQL. Each step can count what it
// would change (dry run) and apply itself one batch at a time: a batch picks at most `size` rows
// after the last id it handled (keyset, so a run reads each candidate once), locks them with
// FOR UPDATE SKIP LOCKED (a row a check-in or payment holds is left for the next run), and changes
// them in one statement, i.e. one short transaction. Predicates are shared by both modes, so a
// dry run counts exactly what a confirmed run changes.
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/query-rows.js';
import { auditLinkStep } from './audit.js';
import type { RetentionStep } from './step.js';

const DAY = 86_400_000;
const MINUTE = 60_000;

/** Written over free text that may describe the patron (fine reasons, consult questions). */
export const REDACTED = '[removed by retention]';

export interface RetentionPolicy {
  /** Returned loans: days after return, or after the last fine on the loan closed. */
  loanDays: number;
  /** Paid or waived fines (and their payments' token and last four digits): days after closing. */
  fineDays: number;
  /** Finished reference consults: days after finishing. */
  consultDays: number;
  /** Closed disclosure requests: days after closing, or after a nondisclosure order ends. */
  disclosureDays: number;
  /** Audit-log links to patrons: days after the month of the access ended (keys destroyed). */
  auditLinkDays: number;
  /** Wrong-PIN counts: minutes after the last failure, once no lock is in force (VENDOR_PIN_LOCK_MINUTES). */
  pinFailureMinutes: number;
}

const cutoff = (now: Date, days: number) => new Date(now.getTime() - days * DAY).toISOString();
const ts = (iso: string) => sql`${iso}::timestamptz`;
const after = (column: SQL, afterId: string | null) =>
  afterId === null ? sql`true` : sql`${column} > ${afterId}`;

async function one<T>(db: Db, query: SQL): Promise<T> {
  return (await queryRows<T>(db, query))[0]!;
}

/**
 * Returned loans still linked to a patron who keeps no history (regulation 11), with no open fine
 * (an OWED fine blocks: staff must know what it is for), whose clock has run out. The clock starts
 * at the return, or at the close of the loan's last fine when that is later (FOLIO's rule).
 * Check-in anonymises most loans at once; this catches the rest: loans a fine held back, loans of
 * a patron who switched history off, and anything a failed check-in left behind.
 */
function loanStep(days: number): RetentionStep {
  const eligible = (now: Date) => {
    const c = cutoff(now, days);
    return sql`l.patron_id IS NOT NULL AND l.returned_at IS NOT NULL AND l.returned_at <= ${ts(c)}
      AND NOT EXISTS (SELECT 1 FROM patrons p WHERE p.id = l.patron_id AND p.keep_checkout_history)
      AND NOT EXISTS (SELECT 1 FROM fines f WHERE f.loan_id = l.id
                      AND (f.status = 'OWED' OR coalesce(f.closed_at, f.assessed_at) > ${ts(c)}))`;
  };
  return {
    category: 'loans',
    async preview(db, ctx) {
      const r = await one<{ n: number }>(
        db,
        sql`SELECT count(*)::int AS n FROM loans l WHERE ${eligible(ctx.now)}`,
      );
      return { loansAnonymised: r.n };
    },
    async batch(db, ctx, afterId) {
      const r = await one<{ n: number; last_id: string | null }>(
        db,
        sql`WITH batch AS (
              SELECT l.id FROM loans l WHERE ${eligible(ctx.now)} AND ${after(sql`l.id`, afterId)}
              ORDER BY l.id LIMIT ${ctx.batchSize} FOR UPDATE OF l SKIP LOCKED),
            done AS (
              UPDATE loans SET patron_id = NULL, anonymised_at = ${ts(ctx.now.toISOString())}
              FROM batch WHERE loans.id = batch.id RETURNING loans.id)
            SELECT count(*)::int AS n, max(id) AS last_id FROM done`,
      );
      return { counts: { loansAnonymised: r.n }, rows: r.n, lastId: r.last_id };
    },
  };
}

/**
 * Paid or waived fines, N days after closing: the patron link, the reasons (free text that may
 * describe the person) and the payments' processor token and last four digits go; amount, status,
 * dates and who waived it stay for the accounts and statistics. The link to the loan stays only
 * when that loan is itself anonymous, so an anonymised fine never leads back to a patron.
 */
function fineStep(days: number): RetentionStep {
  const eligible = (now: Date) =>
    sql`f.patron_id IS NOT NULL AND f.status <> 'OWED' AND coalesce(f.closed_at, f.assessed_at) <= ${ts(cutoff(now, days))}`;
  const paymentWithCard = sql`(pm.processor_token IS NOT NULL OR pm.card_last4 IS NOT NULL)`;
  return {
    category: 'fines',
    async preview(db, ctx) {
      const r = await one<{ fines: number; payments: number }>(
        db,
        sql`SELECT count(*)::int AS fines,
                   coalesce(sum((SELECT count(*) FROM payments pm WHERE pm.fine_id = f.id AND ${paymentWithCard})), 0)::int AS payments
            FROM fines f WHERE ${eligible(ctx.now)}`,
      );
      return { finesAnonymised: r.fines, paymentsScrubbed: r.payments };
    },
    async batch(db, ctx, afterId) {
      const r = await one<{ n: number; last_id: string | null; payments: number }>(
        db,
        sql`WITH batch AS (
              SELECT f.id FROM fines f WHERE ${eligible(ctx.now)} AND ${after(sql`f.id`, afterId)}
              ORDER BY f.id LIMIT ${ctx.batchSize} FOR UPDATE OF f SKIP LOCKED),
            pays AS (
              UPDATE payments pm SET processor_token = NULL, card_last4 = NULL
              FROM batch WHERE pm.fine_id = batch.id AND ${paymentWithCard} RETURNING pm.id),
            done AS (
              UPDATE fines SET patron_id = NULL, anonymised_at = ${ts(ctx.now.toISOString())},
                reason = ${REDACTED}, waiver_reason = NULL,
                loan_id = CASE WHEN EXISTS (SELECT 1 FROM loans l WHERE l.id = fines.loan_id AND l.patron_id IS NOT NULL)
                               THEN NULL ELSE fines.loan_id END
              FROM batch WHERE fines.id = batch.id RETURNING fines.id)
            SELECT (SELECT count(*)::int FROM done) AS n, (SELECT max(id) FROM done) AS last_id,
                   (SELECT count(*)::int FROM pays) AS payments`,
      );
      return {
        counts: { finesAnonymised: r.n, paymentsScrubbed: r.payments },
        rows: r.n,
        lastId: r.last_id,
      };
    },
  };
}

/**
 * Finished reference consults, N days after finishing: the patron link, the question and the
 * answer go (the questions a patron asks are the confidential part); channel, librarian, dates
 * and age band stay for statistics. Anonymous consults lose their text on the same clock.
 */
function consultStep(days: number): RetentionStep {
  const eligible = (now: Date) =>
    sql`c.status = 'FINISHED' AND c.anonymised_at IS NULL AND coalesce(c.finished_at, c.started_at) <= ${ts(cutoff(now, days))}`;
  return {
    category: 'consults',
    async preview(db, ctx) {
      const r = await one<{ n: number; linked: number }>(
        db,
        sql`SELECT count(*)::int AS n, count(c.patron_id)::int AS linked FROM reference_consults c WHERE ${eligible(ctx.now)}`,
      );
      return { consultsRedacted: r.n, patronLinksRemoved: r.linked };
    },
    async batch(db, ctx, afterId) {
      const r = await one<{ n: number; linked: number; last_id: string | null }>(
        db,
        sql`WITH batch AS (
              SELECT c.id, c.patron_id IS NOT NULL AS linked FROM reference_consults c
              WHERE ${eligible(ctx.now)} AND ${after(sql`c.id`, afterId)}
              ORDER BY c.id LIMIT ${ctx.batchSize} FOR UPDATE OF c SKIP LOCKED),
            done AS (
              UPDATE reference_consults SET patron_id = NULL, question = ${REDACTED}, answer_summary = NULL,
                anonymised_at = ${ts(ctx.now.toISOString())}
              FROM batch WHERE reference_consults.id = batch.id RETURNING reference_consults.id)
            SELECT (SELECT count(*)::int FROM done) AS n, (SELECT count(*)::int FROM batch WHERE linked) AS linked,
                   (SELECT max(id) FROM done) AS last_id`,
      );
      return {
        counts: { consultsRedacted: r.n, patronLinksRemoved: r.linked },
        rows: r.n,
        lastId: r.last_id,
      };
    },
  };
}

/**
 * Closed disclosure requests (DENIED, FULFILLED, EXPIRED, WITHDRAWN), N days after closing — or
 * after a nondisclosure order ends, if later, so the patron can still learn of it first. A purge
 * deletes the request as a whole: its patron links and its history go with it by cascade (the
 * history is append-only: its trigger refuses every UPDATE, and every DELETE but this cascade), so
 * nothing of it remains to lead to a patron. What remains is the count, which the run reports
 * (and the audit log records, through the job's onAction).
 */
function disclosureStep(days: number): RetentionStep {
  const eligible = (now: Date) =>
    sql`r.status IN ('DENIED', 'FULFILLED', 'EXPIRED', 'WITHDRAWN')
      AND greatest(coalesce(r.closed_at, r.decided_at, r.received_at), r.nondisclosure_until) <= ${ts(cutoff(now, days))}`;
  return {
    category: 'disclosures',
    async preview(db, ctx) {
      const r = await one<{ n: number; links: number; events: number }>(
        db,
        sql`SELECT count(*)::int AS n,
                   coalesce(sum((SELECT count(*) FROM disclosure_request_patrons d WHERE d.request_id = r.id)), 0)::int AS links,
                   coalesce(sum((SELECT count(*) FROM disclosure_events e WHERE e.request_id = r.id)), 0)::int AS events
            FROM disclosure_requests r WHERE ${eligible(ctx.now)}`,
      );
      return { requestsPurged: r.n, patronLinksRemoved: r.links, eventsRemoved: r.events };
    },
    async batch(db, ctx, afterId) {
      // CTEs share one snapshot: the links and events are counted as they were before the delete.
      const r = await one<{ n: number; links: number; events: number; last_id: string | null }>(
        db,
        sql`WITH batch AS (
              SELECT r.id FROM disclosure_requests r WHERE ${eligible(ctx.now)} AND ${after(sql`r.id`, afterId)}
              ORDER BY r.id LIMIT ${ctx.batchSize} FOR UPDATE OF r SKIP LOCKED),
            done AS (
              DELETE FROM disclosure_requests USING batch WHERE disclosure_requests.id = batch.id RETURNING disclosure_requests.id)
            SELECT (SELECT count(*)::int FROM done) AS n,
                   (SELECT count(*)::int FROM disclosure_request_patrons d JOIN batch ON d.request_id = batch.id) AS links,
                   (SELECT count(*)::int FROM disclosure_events e JOIN batch ON e.request_id = batch.id) AS events,
                   (SELECT max(id) FROM done) AS last_id`,
      );
      return {
        counts: { requestsPurged: r.n, patronLinksRemoved: r.links, eventsRemoved: r.events },
        rows: r.n,
        lastId: r.last_id,
      };
    },
  };
}

/**
 * Wrong-PIN counts (a vendor's per card, regulation 7; the patron's own PIN change, regulation 11)
 * that no longer count: no lock in force, and the last failure older than the window, so the next
 * failure would start afresh anyway. Deleting them changes no answer, and a count of someone's
 * wrong PINs is not kept for nothing. One statement: the rows are small and few.
 */
function pinFailureStep(minutes: number): RetentionStep {
  const spent = (now: Date) =>
    sql`(locked_until IS NULL OR locked_until <= ${ts(now.toISOString())})
      AND last_failure_at <= ${ts(new Date(now.getTime() - minutes * MINUTE).toISOString())}`;
  return {
    category: 'pin_failures',
    async preview(db, ctx) {
      const r = await one<{ vendor: number; account: number }>(
        db,
        sql`SELECT (SELECT count(*)::int FROM vendor_pin_failures WHERE ${spent(ctx.now)}) AS vendor,
                   (SELECT count(*)::int FROM account_pin_failures WHERE ${spent(ctx.now)}) AS account`,
      );
      return { vendorCardCountsRemoved: r.vendor, pinChangeCountsRemoved: r.account };
    },
    async batch(db, ctx) {
      const r = await one<{ vendor: number; account: number }>(
        db,
        sql`WITH vendor AS (DELETE FROM vendor_pin_failures WHERE ${spent(ctx.now)} RETURNING 1),
                 account AS (DELETE FROM account_pin_failures WHERE ${spent(ctx.now)} RETURNING 1)
            SELECT (SELECT count(*)::int FROM vendor) AS vendor, (SELECT count(*)::int FROM account) AS account`,
      );
      return {
        counts: { vendorCardCountsRemoved: r.vendor, pinChangeCountsRemoved: r.account },
        rows: 0,
        lastId: null,
      };
    },
  };
}

/** The schedule of every category, in the order a run applies them. */
export function retentionSteps(policy: RetentionPolicy): RetentionStep[] {
  return [
    loanStep(policy.loanDays),
    fineStep(policy.fineDays),
    consultStep(policy.consultDays),
    disclosureStep(policy.disclosureDays),
    pinFailureStep(policy.pinFailureMinutes),
    auditLinkStep(policy.auditLinkDays),
  ];
}
