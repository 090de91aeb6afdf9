// DESIGN invariant 8 and reg. 5: retention reaches the audit log. Audit rows name a patron only by
// a pseudonym under a per-patron, per-month key; the retention run destroys keys whose month ended
// long enough ago, after which the rows, unchanged, still verify but no longer lead to the patron.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { checkpointKey } from '../../src/audit/checkpoints.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { AuditWriter } from '../../src/audit/writer.js';
import { createLogger } from '../../src/logger.js';
import { recordRetentionActions } from '../../src/retention/audit.js';
import { RetentionJob } from '../../src/retention/job.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';

const SECRET = 'retention-audit-test-key-0123456789abcdef';
const DAY = 86_400_000;
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { AUDIT_CHECKPOINT_KEY: SECRET } });
});
afterAll(() => t?.stop());

const director = { as: AS.director, purpose: 'RECORDS_AUDIT' };
const eventsAboutAda = async () => {
  const r = await t.gql<{ auditEvents: { nodes: { seq: number }[] } }>(
    '{ auditEvents(filter: { patronId: "pat_adalovelace" }, first: 100) { nodes { seq } } }',
    director,
  );
  expect(r.body.errors).toBeUndefined();
  return r.body.data!.auditEvents.nodes.map((n) => n.seq);
};

test('reg. 5, invariant 8: after retention the log still verifies, and the patron can no longer be found by id', async () => {
  await t.gql('{ patron(id: "pat_adalovelace") { name email loans { nodes { dueAt } } } }', {
    as: AS.circulation,
    purpose: 'CIRCULATION_DESK',
  });
  await t.gql('{ patron(id: "pat_adalovelace") { name loans { nodes { dueAt } } } }', {
    as: AS.police,
  });
  const before = await eventsAboutAda();
  expect(before.length).toBeGreaterThanOrEqual(4);
  const lastBefore = Math.max(...before);
  const rowsBefore = await t.db.raw('select seq, row_hash, subject from audit_events order by seq');

  // Run at an instant when this month ended more than RETENTION_AUDIT_LINK_DAYS (180) ago.
  const db = t.db.database;
  const writer = new AuditWriter(db.db, checkpointKey(SECRET), createLogger('silent'), {
    checkpointEvery: 1,
    checkpointIntervalMs: 0,
  });
  const later = () => new Date(Date.now() + 250 * DAY);
  const policy = {
    loanDays: 0,
    fineDays: 30,
    consultDays: 14,
    disclosureDays: 365,
    auditLinkDays: 180,
    pinFailureMinutes: 15,
  };
  const report = await new RetentionJob({
    database: db,
    policy,
    batchSize: 1000,
    onAction: recordRetentionActions(writer, later),
  }).run({ dryRun: false, now: later() });
  await writer.close();
  const shredded = report.categories.find((c) => c.category === 'audit_links')!.counts
    .subjectKeysDestroyed!;
  expect(shredded).toBeGreaterThan(0);
  expect(await t.db.raw('select count(*)::int as n from audit_subject_keys')).toEqual([{ n: 0 }]);

  // The rows are exactly as they were, and the chain still verifies against its signed checkpoints.
  expect(
    (await t.db.raw('select seq, row_hash, subject from audit_events order by seq')).slice(
      0,
      rowsBefore.length,
    ),
  ).toEqual(rowsBefore);
  expect(await verifyAuditLog(db.db, checkpointKey(SECRET))).toMatchObject({ intact: true });

  // Searching by Ada's id finds nothing from before the run (only the search itself, under a new key).
  expect((await eventsAboutAda()).filter((seq) => seq <= lastBefore)).toEqual([]);

  // The run itself was recorded under the system principal, with counts only.
  const runRows = await t.db.raw(
    `select principal_kind, principal_id, subject, rule, fields from audit_events where type_name = 'RetentionRun' order by seq`,
  );
  expect(runRows).toContainEqual({
    principal_kind: 'system',
    principal_id: 'system:retention',
    subject: null,
    rule: 'retention:audit_links',
    fields: [`subjectKeysDestroyed=${shredded}`],
  });
});
