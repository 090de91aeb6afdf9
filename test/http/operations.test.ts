// Operations: liveness and readiness follow the database; Prometheus metrics count requests,
// decisions and audit flushes without a single personal label (invariant 6).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { demoCardNumber } from '../../src/seed/demo.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
// The last test closes the database under the server: stop the server, then drop what is left.
afterAll(async () => {
  await t?.server.stop().catch(() => undefined);
  await t?.db.drop();
});

const scrape = async () => (await fetch(new URL('/metrics', t.url))).text();

/** The metric lines of one family, without HELP/TYPE comments and histogram buckets. */
function samples(text: string, prefix: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(prefix) && !l.includes('_bucket{'));
}

test('/health and /ready answer 200 while the database answers', async () => {
  const health = await fetch(new URL('/health', t.url));
  expect({ status: health.status, body: await health.json() }).toEqual({
    status: 200,
    body: { status: 'ok', database: t.db.database.kind },
  });
  const ready = await fetch(new URL('/ready', t.url));
  expect({ status: ready.status, body: await ready.json() }).toEqual({
    status: 200,
    body: { status: 'ready', accepting: true, database: true },
  });
});

test('invariant 6: metrics count decisions by category, basis and outcome, fold unknown paths into one route, and carry no personal label', async () => {
  // Personal data flows: granted to the Director, to Ada herself, denied to a volunteer and to Ben.
  await t.gql('{ patron(id: "pat_adalovelace") { name email cardNumber } }', {
    as: AS.director,
    purpose: 'RECORDS_AUDIT',
  });
  await t.gql('{ patron(id: "pat_adalovelace") { name email } }', { as: AS.ada });
  await t.gql('{ loan(id: "loan_adacurrent") { dueAt patron { name } } }', {
    as: AS.volunteer,
    purpose: 'CIRCULATION_DESK',
  });
  await t.gql('{ patron(id: "pat_adalovelace") { name } }', { as: AS.ben });
  // Circulation staff never see a birth date: a field-level denial.
  await t.gql(
    'query($c: String!) { patronByCardNumber(cardNumber: $c) { name email birthDate } }',
    {
      as: AS.circulation,
      purpose: 'CIRCULATION_DESK',
      variables: { c: demoCardNumber(2) },
    },
  );
  // A path outside the known routes, holding a patron id and a card number, is counted as "other".
  const stray = await fetch(new URL(`/patrons/pat_adalovelace/${demoCardNumber(1)}`, t.url));
  expect(stray.status).toBe(404);
  const text = await scrape();

  expect(samples(text, 'patron_records_http_requests_total{route="other"')).toEqual([
    'patron_records_http_requests_total{route="other",method="GET",status="404"} 1',
  ]);
  expect(samples(text, 'patron_records_access_decisions_total')).toEqual([
    'patron_records_access_decisions_total{category="IDENTITY",basis="DIRECTOR",outcome="GRANTED"} 3',
    'patron_records_access_decisions_total{category="IDENTITY",basis="SELF",outcome="GRANTED"} 2',
    // The volunteer's loan lookup and Ben's patron lookup, refused at the root field.
    'patron_records_access_decisions_total{category="NONE",basis="NONE",outcome="DENIED"} 2',
    'patron_records_access_decisions_total{category="IDENTITY",basis="STAFF_PURPOSE",outcome="GRANTED"} 2',
    'patron_records_access_decisions_total{category="IDENTITY",basis="NONE",outcome="DENIED"} 1',
  ]);
  expect(samples(text, 'patron_records_http_requests_total{route="/graphql"')).toEqual([
    'patron_records_http_requests_total{route="/graphql",method="POST",status="200"} 5',
  ]);
  expect(
    samples(text, 'patron_records_http_request_duration_seconds_count{route="/graphql"}'),
  ).toEqual(['patron_records_http_request_duration_seconds_count{route="/graphql"} 5']);

  const personal = [
    'pat_adalovelace',
    'pat_benokafor',
    'Ada Lovelace',
    'Ben Okafor',
    'ada@example.org',
    'ben@example.org',
    demoCardNumber(1),
    demoCardNumber(2),
    'loan_adacurrent',
    'staff_director',
    'user_ada',
    'RECORDS_AUDIT',
  ];
  expect(personal.filter((p) => text.includes(p))).toEqual([]);
  // Label values come from closed lists only.
  const labelValues = new Set([...text.matchAll(/(\w+)="([^"]*)"/g)].map((m) => `${m[1]}=${m[2]}`));
  const allowed =
    /^(route=(\/graphql|\/health|\/ready|\/metrics|other)|method=(GET|POST|HEAD|OPTIONS|other)|status=\d{3}|category=[A-Z_]+|basis=[A-Z_]+|outcome=(GRANTED|DENIED|FAILED|ok|failed)|limit=[a-z_]+|le=[\d.e+]+|le=\+Inf|quantile=[\d.]+|version=v[\d.]+|major=\d+|minor=\d+|patch=\d+|type=\w+|kind=\w+|space=\w+)$/;
  expect([...labelValues].filter((l) => !allowed.test(l))).toEqual([]);
});

test('every audit flush is timed by outcome, and failures are counted', async () => {
  const flushes = async () =>
    Object.fromEntries(
      samples(await scrape(), 'patron_records_audit_flush_duration_seconds_count').map((l) => [
        /outcome="(\w+)"/.exec(l)![1],
        Number(l.split(' ').at(-1)),
      ]),
    );
  const before = await flushes();
  const read = () =>
    t.gql('{ patron(id: "pat_adalovelace") { name } }', {
      as: AS.director,
      purpose: 'RECORDS_AUDIT',
    });
  expect((await read()).status).toBe(200);
  // A real failure inside the database: the audit insert raises, the response is withheld.
  await t.db.raw(
    "create function audit_broken() returns trigger language plpgsql as $$ begin raise exception 'disk full (simulated)'; end $$",
  );
  await t.db.raw(
    'create trigger audit_broken before insert on audit_events for each statement execute function audit_broken()',
  );
  try {
    expect((await read()).status).toBe(503);
  } finally {
    await t.db.raw('drop trigger audit_broken on audit_events');
    await t.db.raw('drop function audit_broken()');
  }
  const after = await flushes();
  expect({
    ok: after.ok! - (before.ok ?? 0),
    failed: after.failed! - (before.failed ?? 0),
  }).toEqual({ ok: 1, failed: 1 });
  expect(samples(await scrape(), 'patron_records_audit_flush_failures_total')).toEqual([
    'patron_records_audit_flush_failures_total 1',
  ]);
});

test('limit refusals are counted by limit', async () => {
  await t.gql(
    `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: patron(id: "pat_x") { id }`).join(' ')} }`,
  );
  expect(samples(await scrape(), 'patron_records_limit_rejections_total')).toEqual([
    'patron_records_limit_rejections_total{limit="aliases"} 1',
  ]);
});

test('once the database stops answering, /ready answers 503 and /health (liveness) still 200', async () => {
  await t.database.close();
  const health = await fetch(new URL('/health', t.url));
  expect({ status: health.status, body: await health.json() }).toEqual({
    status: 200,
    body: { status: 'ok', database: t.db.database.kind },
  });
  const ready = await fetch(new URL('/ready', t.url));
  expect({ status: ready.status, body: await ready.json() }).toEqual({
    status: 503,
    body: { status: 'not ready', accepting: true, database: false },
  });
});
