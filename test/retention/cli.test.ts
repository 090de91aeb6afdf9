// `npm run retention`: refuses without --dry-run or --confirm (Koha's cleanup_database.pl style),
// prints counts only; and the server's optional schedule.
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { runRetentionCli } from '../../src/retention/cli.js';
import { startRetentionSchedule } from '../../src/retention/schedule.js';
import { AuditWriter } from '../../src/audit/writer.js';
import { checkpointKey } from '../../src/audit/checkpoints.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const NOW = new Date('2030-06-15T12:00:00Z');
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ seed: true, now: NOW });
});
afterAll(() => t?.drop());

const config = loadConfig({ NODE_ENV: 'test', RETENTION_CONSULT_DAYS: '7' });
const writer = () =>
  new AuditWriter(
    t.database.db,
    checkpointKey('retention-test-key-0123456789abcdefghij'),
    createLogger('silent'),
    { checkpointEvery: 1000, checkpointIntervalMs: 0 },
  );
async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const audit = writer();
  const code = await runRetentionCli(argv, {
    config,
    database: t.database,
    audit,
    now: NOW,
    io: { out: (s) => void (out += s), err: (s) => void (err += s) },
  });
  await audit.close();
  return { code, out, err };
}
const linked = async () =>
  (await t.raw(`select count(*)::int as n from loans where patron_id is not null`))[0]!.n as number;

test('reg. 5: without --dry-run or --confirm, or with both, the command refuses and changes nothing', async () => {
  const before = await linked();
  for (const argv of [[], ['--dry-run', '--confirm'], ['--force']]) {
    const r = await cli(...argv);
    expect({
      code: r.code,
      out: r.out,
      usage: r.err.includes('usage: npm run retention -- --dry-run | --confirm'),
    }).toEqual({ code: 64, out: '', usage: true });
  }
  expect(await linked()).toBe(before);
});

test('reg. 5: --dry-run prints the counts per category and changes nothing; --confirm applies the same counts', async () => {
  const before = await linked();
  const dry = await cli('--dry-run');
  expect(dry.code).toBe(0);
  expect(dry.out).toBe(
    'Retention dry run at 2030-06-15T12:00:00.000Z (loans 0 d, fines 30 d, consults 7 d, disclosures 365 d, audit links 180 d, PIN failures 15 min)\n' +
      '  category     change                      count\n' +
      '  loans        loansAnonymised                 1\n' +
      '  fines        finesAnonymised                 1\n' +
      '  fines        paymentsScrubbed                1\n' +
      '  consults     consultsRedacted                2\n' +
      '  consults     patronLinksRemoved              2\n' +
      '  disclosures  requestsPurged                  0\n' +
      '  disclosures  patronLinksRemoved              0\n' +
      '  disclosures  eventsRemoved                   0\n' +
      '  pin_failures vendorCardCountsRemoved         0\n' +
      '  pin_failures pinChangeCountsRemoved          0\n' +
      '  audit_links  subjectKeysDestroyed            0\n' +
      'Nothing was changed. Run with --confirm to apply.\n',
  );
  expect(await linked()).toBe(before);
  const applied = await cli('--confirm');
  expect(applied.out.split('\n').slice(1, 13)).toEqual(dry.out.split('\n').slice(1, 13));
  expect(applied.err.split('\n').filter(Boolean)).toEqual([
    'retention: loans done, 1 batch(es), loansAnonymised=1',
    'retention: fines done, 1 batch(es), finesAnonymised=1 paymentsScrubbed=1',
    'retention: consults done, 1 batch(es), consultsRedacted=2 patronLinksRemoved=2',
    'retention: disclosures done, 1 batch(es), requestsPurged=0 patronLinksRemoved=0 eventsRemoved=0',
    'retention: pin_failures done, 1 batch(es), vendorCardCountsRemoved=0 pinChangeCountsRemoved=0',
    'retention: audit_links done, 1 batch(es), subjectKeysDestroyed=0',
  ]);
  // reg. 5 / invariant 8: the run is in the audit log, under the system principal, counts only.
  expect(
    await t.raw(
      `select principal_kind, principal_id, subject, type_name, rule, fields from audit_events order by seq`,
    ),
  ).toEqual([
    {
      principal_kind: 'system',
      principal_id: 'system:retention',
      subject: null,
      type_name: 'RetentionRun',
      rule: 'retention:loans',
      fields: ['loansAnonymised=1'],
    },
    {
      principal_kind: 'system',
      principal_id: 'system:retention',
      subject: null,
      type_name: 'RetentionRun',
      rule: 'retention:fines',
      fields: ['finesAnonymised=1', 'paymentsScrubbed=1'],
    },
    {
      principal_kind: 'system',
      principal_id: 'system:retention',
      subject: null,
      type_name: 'RetentionRun',
      rule: 'retention:consults',
      fields: ['consultsRedacted=2', 'patronLinksRemoved=2'],
    },
  ]);
  expect(await linked()).toBe(before - 1);
});

test('reg. 5: the server runs retention every RETENTION_INTERVAL_MINUTES and logs counts only', async () => {
  await t.raw(`update patrons set keep_checkout_history = false where id = 'pat_adalovelace'`);
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', {
    write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>),
  } as never);
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  try {
    const schedule = startRetentionSchedule({
      config: loadConfig({ NODE_ENV: 'test', RETENTION_INTERVAL_MINUTES: '60' }),
      database: t.database,
      logger,
      audit: writer(),
      now: () => NOW,
    });
    vi.advanceTimersByTime(59 * 60_000);
    await schedule.stop(); // nothing ran yet: stop returns at once
    expect(lines).toEqual([]);
    const again = startRetentionSchedule({
      config: loadConfig({ NODE_ENV: 'test', RETENTION_INTERVAL_MINUTES: '60' }),
      database: t.database,
      logger,
      audit: writer(),
      now: () => NOW,
    });
    vi.advanceTimersByTime(60 * 60_000);
    await vi.waitFor(() => expect(lines.map((l) => l.msg)).toContain('retention run finished'), {
      timeout: 20_000,
    });
    await again.stop();
  } finally {
    vi.useRealTimers();
  }
  expect(lines.map((l) => [l.msg, l.category ?? null, l.counts ?? null])).toEqual([
    ['retention applied', 'loans', { loansAnonymised: 1 }],
    ['retention run finished', null, null],
  ]);
  expect(
    await t.raw(`select id from loans where patron_id is not null and returned_at is not null`),
  ).toEqual([]);
});

test('reg. 5: retention settings are validated at start, naming the variable and never its value', async () => {
  const { ConfigError } = await import('../../src/config.js');
  const bad = () =>
    loadConfig({
      RETENTION_FINE_DAYS: '-1',
      RETENTION_BATCH_SIZE: 'lots',
      STATISTICS_MIN_CELL: '1',
    });
  expect(bad).toThrow(ConfigError);
  expect(() => bad()).toThrow(
    /RETENTION_FINE_DAYS[\s\S]*RETENTION_BATCH_SIZE[\s\S]*STATISTICS_MIN_CELL/,
  );
  expect(() => bad()).not.toThrow(/lots/);
  const defaults = loadConfig({});
  expect([
    defaults.RETENTION_LOAN_DAYS,
    defaults.RETENTION_FINE_DAYS,
    defaults.RETENTION_CONSULT_DAYS,
    defaults.RETENTION_DISCLOSURE_DAYS,
    defaults.RETENTION_AUDIT_LINK_DAYS,
    defaults.RETENTION_BATCH_SIZE,
    defaults.RETENTION_INTERVAL_MINUTES,
    defaults.STATISTICS_MIN_CELL,
  ]).toEqual([0, 30, 14, 365, 180, 5000, 0, 10]);
});

test('reg. 5, reg. 9: each retention and statistics setting refuses a negative, fractional, too large or non-numeric value, naming that variable alone', () => {
  const refusedNames = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (e) {
      return (e as Error).message
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(':')[0]);
    }
  };
  const bad: [string, string[]][] = [
    ['RETENTION_LOAN_DAYS', ['-1', '1.5', '3651', 'x']],
    ['RETENTION_FINE_DAYS', ['-1', '1.5', '3651', 'x']],
    ['RETENTION_CONSULT_DAYS', ['-1', '1.5', '3651', 'x']],
    ['RETENTION_DISCLOSURE_DAYS', ['-1', '1.5', '3651', 'x']],
    ['RETENTION_AUDIT_LINK_DAYS', ['-1', '1.5', '3651', 'x']],
    ['RETENTION_BATCH_SIZE', ['99', '100.5', '50001', 'x']],
    ['RETENTION_INTERVAL_MINUTES', ['-1', '1.5', '10081', 'x']],
    ['STATISTICS_MIN_CELL', ['1', '2.5', '1001', 'x']],
  ];
  for (const [name, values] of bad) {
    for (const value of values)
      expect([value, refusedNames({ [name]: value })]).toEqual([value, [name]]);
  }
});
