// The retention schedule of each category, on a real migrated database with the demo library
// seeded at a fixed instant, and the job run at fixed instants after it.
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { RetentionJob, type RetentionJobOptions } from '../../src/retention/job.js';
import { REDACTED, type RetentionPolicy } from '../../src/retention/steps.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const NOW = new Date('2030-06-15T12:00:00Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW.getTime() + days * DAY);
const POLICY: RetentionPolicy = {
  loanDays: 7,
  fineDays: 30,
  consultDays: 14,
  disclosureDays: 30,
  auditLinkDays: 90,
  pinFailureMinutes: 15,
};

let t: TestDatabase;
beforeEach(async () => {
  await t?.drop();
  t = await createTestDatabase({ seed: true, now: NOW });
});
afterAll(() => t?.drop());

const job = (options: Partial<RetentionJobOptions> = {}) =>
  new RetentionJob({ database: t.database, policy: POLICY, batchSize: 100, ...options });
const run = (days: number, options: Partial<RetentionJobOptions> = {}) =>
  job(options).run({ dryRun: false, now: at(days) });
const ids = async (sql: string) => (await t.raw(sql)).map((r) => r.id as string);
const linkedLoans = () => ids(`select id from loans where patron_id is not null order by id`);
const linkedFines = () => ids(`select id from fines where patron_id is not null order by id`);
const countsOf = (r: Awaited<ReturnType<RetentionJob['run']>>) =>
  Object.fromEntries(r.categories.map((c) => [c.category, c.counts]));

async function insertLoan(id: string, patronId: string, returnedDaysAgo: number | null) {
  await t.raw(
    `insert into loans (id, patron_id, item_id, item_type, branch, checked_out_at, due_at, returned_at, patron_age_band)
     values ($1, $2, $3, 'book', 'MAIN', $4, $5, $6, 'ADULT')`,
    [
      id,
      patronId,
      `item_${id}`,
      at(-60),
      at(-39),
      returnedDaysAgo === null ? null : at(-returnedDaysAgo),
    ],
  );
}

describe('loans', () => {
  test('reg. 5: a returned loan loses its patron link once its days have run out; loans on loan never', async () => {
    await insertLoan('loan_benreturned', 'pat_benokafor', 3);
    // Returned 10 days ago (dani, no history): anonymised. Returned 3 days ago: waits 7 days.
    await run(0);
    expect(await linkedLoans()).toEqual([
      'loan_adacurrent',
      'loan_adareturned',
      'loan_bencurrent',
      'loan_benoverdue',
      'loan_benreturned',
      'loan_danicurrent',
    ]);
    await run(4);
    expect(await linkedLoans()).toEqual([
      'loan_adacurrent',
      'loan_adareturned',
      'loan_bencurrent',
      'loan_benoverdue',
      'loan_danicurrent',
    ]);
    const [row] = await t.raw(
      `select patron_id, anonymised_at, branch, item_type, patron_age_band from loans where id = 'loan_benreturned'`,
    );
    expect(row).toEqual({
      patron_id: null,
      anonymised_at: at(4),
      branch: 'MAIN',
      item_type: 'book',
      patron_age_band: 'ADULT',
    });
  });

  test('reg. 11: loans of a patron who keeps history stay linked while they keep it; switching it off lets the next run anonymise them', async () => {
    await run(1000);
    expect(await linkedLoans()).toContain('loan_adareturned');
    await t.raw(`update patrons set keep_checkout_history = false where id = 'pat_adalovelace'`);
    const r = await run(1000);
    expect(countsOf(r).loans).toEqual({ loansAnonymised: 1 });
    expect(await linkedLoans()).not.toContain('loan_adareturned');
  });

  test('reg. 5: an owed fine keeps its loan linked; the loan goes on its own clock from the day the fine closes (FOLIO rule)', async () => {
    await insertLoan('loan_benfined', 'pat_benokafor', 20);
    await t.raw(
      `insert into fines (id, patron_id, loan_id, amount_cents, reason, assessed_at) values ('fine_benlate', 'pat_benokafor', 'loan_benfined', 300, 'Overdue item', $1)`,
      [at(-20)],
    );
    await run(0);
    expect(await linkedLoans()).toContain('loan_benfined');
    await run(200);
    expect(await linkedLoans()).toContain('loan_benfined');

    await t.raw(`update fines set status = 'PAID', closed_at = $1 where id = 'fine_benlate'`, [
      at(201),
    ]);
    await run(207); // 6 days after the fine closed: the loan's 7 days have not run out
    expect(await linkedLoans()).toContain('loan_benfined');
    await run(208);
    expect(await linkedLoans()).not.toContain('loan_benfined');
    // The fine keeps its own, longer clock: linked until 30 days after it closed.
    expect(await linkedFines()).toContain('fine_benlate');
    await run(231);
    expect(await linkedFines()).not.toContain('fine_benlate');
  });
});

describe('fines and payments', () => {
  test('reg. 5 and reg. 10: paid and waived fines lose patron, reasons, and the payment token and last four digits after N days; amounts and dates stay; owed fines never', async () => {
    await run(0);
    // fine_adapaid closed 40 days ago; fine_evewaived 15 days ago (waits); the owed ones never.
    expect(await linkedFines()).toEqual(['fine_benowed', 'fine_daniowed', 'fine_evewaived']);
    expect(
      await t.raw(
        `select patron_id, loan_id, amount_cents, status, reason, closed_at, anonymised_at, branch, item_type, patron_age_band from fines where id = 'fine_adapaid'`,
      ),
    ).toEqual([
      // Ada keeps history, so her loan still names her: the fine no longer points at it.
      {
        patron_id: null,
        loan_id: null,
        amount_cents: 100,
        status: 'PAID',
        reason: REDACTED,
        closed_at: at(-40),
        anonymised_at: NOW,
        branch: 'MAIN',
        item_type: 'book',
        patron_age_band: 'ADULT',
      },
    ]);
    expect(
      await t.raw(
        `select amount_cents, processor_token, card_last4, paid_at, received_by from payments where fine_id = 'fine_adapaid'`,
      ),
    ).toEqual([
      {
        amount_cents: 100,
        processor_token: null,
        card_last4: null,
        paid_at: at(-40),
        received_by: 'staff_circ',
      },
    ]);
    await run(16);
    expect(await linkedFines()).toEqual(['fine_benowed', 'fine_daniowed']);
    expect(
      await t.raw(`select waived_by, waiver_reason from fines where id = 'fine_evewaived'`),
    ).toEqual([{ waived_by: 'staff_circ', waiver_reason: null }]);
    await run(3000);
    expect(await linkedFines()).toEqual(['fine_benowed', 'fine_daniowed']);
  });
});

describe('reference consults', () => {
  test('reg. 5: finished consults lose patron, question and answer N days after finishing; open consults stay', async () => {
    const unredacted = () =>
      ids(`select id from reference_consults where anonymised_at is null order by id`);
    await run(0);
    expect(await unredacted()).toEqual([
      'rc_adaemail',
      'rc_adainperson',
      'rc_anonchat',
      'rc_benphone',
    ]);
    await run(3); // finished 12 days before NOW: 15 days
    expect(await unredacted()).toEqual(['rc_adaemail', 'rc_anonchat', 'rc_benphone']);
    const r = await run(12);
    expect(countsOf(r).consults).toEqual({ consultsRedacted: 2, patronLinksRemoved: 1 });
    expect(await unredacted()).toEqual(['rc_adaemail']);
    expect(
      await t.raw(
        `select patron_id, question, answer_summary, channel, librarian_id, patron_age_band from reference_consults where id = 'rc_benphone'`,
      ),
    ).toEqual([
      {
        patron_id: null,
        question: REDACTED,
        answer_summary: null,
        channel: 'PHONE',
        librarian_id: 'staff_ref',
        patron_age_band: 'ADULT',
      },
    ]);
    await run(3000);
    expect(await unredacted()).toEqual(['rc_adaemail']);
  });
});

describe('disclosure requests', () => {
  test('reg. 5: closed requests are purged, with their patron links and history, after the records schedule, not while a nondisclosure order runs; open requests stay', async () => {
    const requests = () => ids(`select id from disclosure_requests order by id`);
    const open = ['dr_approved', 'dr_received', 'dr_underreview'];
    const all = await requests();
    expect(all).toEqual([
      'dr_approved',
      'dr_denied',
      'dr_expired',
      'dr_fulfilled',
      'dr_received',
      'dr_underreview',
      'dr_withdrawn',
    ]);
    await run(24);
    expect(await requests()).toEqual(all);
    const denied = await run(25); // denied 5 days before NOW (no closing date: its decision counts)
    expect(countsOf(denied).disclosures).toEqual({
      requestsPurged: 1,
      patronLinksRemoved: 1,
      eventsRemoved: 2,
    });
    expect(await requests()).toEqual([
      'dr_approved',
      'dr_expired',
      'dr_fulfilled',
      'dr_received',
      'dr_underreview',
      'dr_withdrawn',
    ]);
    await run(28); // withdrawn 4 days before NOW, expired 2 days before
    expect(await requests()).toEqual([
      'dr_approved',
      'dr_fulfilled',
      'dr_received',
      'dr_underreview',
    ]);
    // Nothing of a purged request remains: no patron link, no event.
    expect(
      await ids(`select distinct request_id as id from disclosure_request_patrons order by 1`),
    ).toEqual(['dr_approved', 'dr_fulfilled', 'dr_received', 'dr_underreview']);
    expect(await ids(`select distinct request_id as id from disclosure_events order by 1`)).toEqual(
      ['dr_approved', 'dr_fulfilled', 'dr_received', 'dr_underreview'],
    );
    // dr_fulfilled is under a nondisclosure order until NOW+60: its clock starts then.
    await run(89);
    expect(await requests()).toEqual([
      'dr_approved',
      'dr_fulfilled',
      'dr_received',
      'dr_underreview',
    ]);
    await run(90);
    expect(await requests()).toEqual(open);
    await run(3000);
    expect(await requests()).toEqual(open);
  });

  test('reg. 5: the history of a request stays append-only: retention deletes it only with its request', async () => {
    await expect(
      t.raw(`update disclosure_events set note = 'x' where request_id = 'dr_denied'`),
    ).rejects.toThrow(/append-only/);
    await expect(
      t.raw(`delete from disclosure_events where request_id = 'dr_denied'`),
    ).rejects.toThrow(/append-only/);
    await run(25);
    expect(
      await t.raw(
        `select count(*)::int as n from disclosure_events where request_id = 'dr_denied'`,
      ),
    ).toEqual([{ n: 0 }]);
  });
});

describe('wrong-PIN counts', () => {
  test('reg. 5: counts of wrong PINs that no longer count are deleted (no lock in force, last failure older than the window); a lock in force and recent failures stay', async () => {
    const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);
    const vendor = (patronId: string, lastFailure: Date, lockedUntil: Date | null) =>
      t.raw(
        `insert into vendor_pin_failures (vendor_id, patron_id, failures, last_failure_at, locked_until) values ('ven_ebooks', $1, 3, $2, $3)`,
        [patronId, lastFailure, lockedUntil],
      );
    const account = (patronId: string, lastFailure: Date, lockedUntil: Date | null) =>
      t.raw(
        `insert into account_pin_failures (patron_id, failures, last_failure_at, locked_until) values ($1, 5, $2, $3)`,
        [patronId, lastFailure, lockedUntil],
      );
    await vendor('pat_adalovelace', minutes(-16), null); // spent
    await vendor('pat_benokafor', minutes(-5), null); // still counting
    await account('pat_adalovelace', minutes(-20), minutes(-5)); // lock ended: spent
    await account('pat_benokafor', minutes(-20), minutes(5)); // lock in force
    await account('pat_carmendiaz', minutes(-16), null); // spent
    const r = await job().run({ dryRun: false, now: NOW });
    expect(countsOf(r).pin_failures).toEqual({
      vendorCardCountsRemoved: 1,
      pinChangeCountsRemoved: 2,
    });
    expect(await t.raw(`select patron_id from vendor_pin_failures order by patron_id`)).toEqual([
      { patron_id: 'pat_benokafor' },
    ]);
    expect(await t.raw(`select patron_id from account_pin_failures order by patron_id`)).toEqual([
      { patron_id: 'pat_benokafor' },
    ]);
  });
});

describe('the run', () => {
  const snapshot = async () => ({
    loans: await t.raw(`select * from loans order by id`),
    fines: await t.raw(`select * from fines order by id`),
    payments: await t.raw(`select * from payments order by id`),
    consults: await t.raw(`select * from reference_consults order by id`),
    requests: await t.raw(`select * from disclosure_requests order by id`),
    links: await t.raw(`select * from disclosure_request_patrons order by request_id, patron_id`),
    events: await t.raw(`select * from disclosure_events order by id`),
  });

  test('reg. 5: a dry run changes nothing and counts exactly what the confirmed run then changes; a second run changes nothing (idempotent)', async () => {
    const before = await snapshot();
    const dry = await job().run({ dryRun: true, now: at(100) });
    expect(await snapshot()).toEqual(before);
    const expected = {
      loans: { loansAnonymised: 1 },
      fines: { finesAnonymised: 2, paymentsScrubbed: 1 },
      consults: { consultsRedacted: 3, patronLinksRemoved: 2 },
      disclosures: { requestsPurged: 4, patronLinksRemoved: 4, eventsRemoved: 10 },
      pin_failures: { vendorCardCountsRemoved: 0, pinChangeCountsRemoved: 0 },
      audit_links: { subjectKeysDestroyed: 0 },
    };
    expect(countsOf(dry)).toEqual(expected);
    expect(countsOf(await run(100))).toEqual(expected);
    const after = await snapshot();
    expect(after).not.toEqual(before);
    const again = await run(100);
    expect(countsOf(again)).toEqual({
      loans: { loansAnonymised: 0 },
      fines: { finesAnonymised: 0, paymentsScrubbed: 0 },
      consults: { consultsRedacted: 0, patronLinksRemoved: 0 },
      disclosures: { requestsPurged: 0, patronLinksRemoved: 0, eventsRemoved: 0 },
      pin_failures: { vendorCardCountsRemoved: 0, pinChangeCountsRemoved: 0 },
      audit_links: { subjectKeysDestroyed: 0 },
    });
    expect(await snapshot()).toEqual(after);
  });

  test('reg. 5: a run works in batches (keyset, one statement each) and reports progress and each changed category once', async () => {
    for (let i = 0; i < 7; i++) await insertLoan(`loan_bulk${'abcdefg'[i]}`, 'pat_benokafor', 30);
    const progress: string[] = [];
    const actions: [string, Record<string, number>][] = [];
    const r = await job({
      batchSize: 2,
      onProgress: (p) =>
        progress.push(`${p.category}:${p.batches}:${p.counts.loansAnonymised ?? '-'}:${p.done}`),
      onAction: (category, counts) => void actions.push([category, counts]),
    }).run({ dryRun: false, now: NOW });
    // 8 loans (7 bulk + dani's) in batches of 2: 2, 2, 2, 2, then an empty batch ends the step.
    expect(r.categories[0]).toEqual({
      category: 'loans',
      counts: { loansAnonymised: 8 },
      batches: 5,
    });
    expect(progress.filter((p) => p.startsWith('loans'))).toEqual([
      'loans:1:2:false',
      'loans:2:4:false',
      'loans:3:6:false',
      'loans:4:8:false',
      'loans:5:8:true',
    ]);
    expect(actions).toEqual([
      ['loans', { loansAnonymised: 8 }],
      ['fines', { finesAnonymised: 1, paymentsScrubbed: 1 }],
    ]);
  });

  test('reg. 5: one run at a time: a run that finds another holding the lock skips, changing nothing', async () => {
    let release!: () => void;
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const hold = new Promise<void>((r) => (release = r));
    const slow = {
      category: 'slow',
      preview: async () => ({}),
      batch: async () => {
        entered();
        await hold;
        return { counts: {}, rows: 0, lastId: null };
      },
    };
    const first = job({ steps: [slow] }).run({ dryRun: false, now: NOW });
    await inside;
    // Another replica: its own connection pool on PostgreSQL (the advisory lock), the same database in PGlite.
    const other = t.url
      ? await (await import('../../src/db/client.js')).openDatabase({ url: t.url, poolSize: 2 })
      : t.database;
    try {
      const second = await new RetentionJob({
        database: other,
        policy: POLICY,
        batchSize: 100,
      }).run({ dryRun: false, now: NOW });
      expect({ skipped: second.skipped, categories: second.categories }).toEqual({
        skipped: true,
        categories: [],
      });
      expect(await linkedLoans()).toContain('loan_danireturned');
    } finally {
      release();
      await first;
      if (other !== t.database) await other.close();
    }
    const third = await run(0);
    expect(third.skipped).toBe(false);
    expect(await linkedLoans()).not.toContain('loan_danireturned');
  });
});
