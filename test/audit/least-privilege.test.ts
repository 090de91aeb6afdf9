// Least privilege (DESIGN "Trust model"): the server runs as a runtime role that can read the audit
// log and append to it only through the owner's functions; a table owner could disable the
// append-only triggers, so production refuses to serve as the owner or as a superuser.
import { spawnSync } from 'node:child_process';
import { exportSPKI, generateKeyPair } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { shredSubjectKeys } from '../../src/audit/keys.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { UnsafeRoleError } from '../../src/db/roles.js';
import { createLogger } from '../../src/logger.js';
import { startServer } from '../../src/server.js';
import { TEST_RUNTIME_ROLE, onPostgres, runtimeRoleUrl } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  PORT: '0',
  VENDOR_PSEUDONYM_KEY: Buffer.alloc(32, 7).toString('base64'),
  ROUTER_SECRET: 'least-privilege-router-secret-0123456789',
  AUDIT_CHECKPOINT_KEY: 'least-privilege-checkpoint-key-0123456789',
  AUDIT_UNWITNESSED: 'true',
  TLS_TERMINATED_UPSTREAM: 'true',
  LOG_LEVEL: 'silent',
};

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.stop());

/** A column of each audit table, for the UPDATE attempt. */
const COLUMN: Record<string, string> = {
  audit_events: 'seq',
  audit_checkpoints: 'seq',
  audit_heads: 'kind',
  audit_chains: 'name',
};

async function asRole<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * How a statement fails: 'privilege' when PostgreSQL refuses it for want of a grant or of ownership
 * (not the append-only trigger, which would also say 42501 but only after the grant let it through).
 */
async function outcome(c: pg.Client, statement: string): Promise<string> {
  try {
    await c.query(statement);
    return 'ok';
  } catch (err) {
    const { code, message } = err as { code?: string; message: string };
    return code === '42501' &&
      /^(permission denied for (table|schema|function|sequence)|must be owner of table)/.test(
        message,
      )
      ? 'privilege'
      : `${code}: ${message}`;
  }
}

describe.skipIf(!onPostgres)('the runtime role (PostgreSQL)', () => {
  test('the server serves as the runtime role, and every read, mutation and audit append works', async () => {
    if (t.database.kind !== 'postgres') throw new Error('unreachable');
    expect((await t.database.pool.query('select current_user as u')).rows).toEqual([
      { u: TEST_RUNTIME_ROLE },
    ]);
    const read = await t.gql('{ patron(id: "pat_adalovelace") { name email } }', {
      as: AS.director,
      purpose: 'RECORDS_AUDIT',
    });
    expect([read.status, read.body.data]).toEqual([
      200,
      { patron: { name: 'Ada Lovelace', email: 'ada@example.org' } },
    ]);
    const write = await t.gql(
      'mutation { updatePatron(id: "pat_adalovelace", input: { phone: "+1 555 0100" }) { phone } }',
      { as: AS.circulation, purpose: 'CIRCULATION_DESK' },
    );
    expect([write.status, write.body.data]).toEqual([
      200,
      { updatePatron: { phone: '+1 555 0100' } },
    ]);
    const rows = await t.db.raw(
      "select count(*)::int as n from audit_events where type_name = 'Patron'",
    );
    expect(rows[0]!.n).toBeGreaterThanOrEqual(2);
  });

  test('the runtime connection has its statement and idle-in-transaction timeouts (defaults, and configurable)', async () => {
    if (t.database.kind !== 'postgres') throw new Error('unreachable');
    const show = async (pool: pg.Pool) =>
      (
        await pool.query(
          "select current_setting('statement_timeout') as s, current_setting('idle_in_transaction_session_timeout') as i",
        )
      ).rows;
    expect(await show(t.database.pool)).toEqual([{ s: '15s', i: '10s' }]);
    const tuned = await startTestServer({
      env: { DATABASE_STATEMENT_TIMEOUT_MS: '2500', DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '0' },
    });
    try {
      if (tuned.database.kind !== 'postgres') throw new Error('unreachable');
      expect(await show(tuned.database.pool)).toEqual([{ s: '2500ms', i: '0' }]);
    } finally {
      await tuned.stop();
    }
  });

  test('as the runtime role, UPDATE, DELETE, TRUNCATE, INSERT, DISABLE TRIGGER and DROP on the audit tables, and moving their sequences, all fail', async () => {
    const url = await runtimeRoleUrl(t.db);
    const attempts = (table: string) => [
      `update ${table} set ${COLUMN[table]} = ${COLUMN[table]}`,
      `delete from ${table}`,
      `truncate ${table}`,
      `alter table ${table} disable trigger all`,
      `alter table ${table} disable trigger ${table}_append_only`,
      `drop table ${table}`,
    ];
    const results = await asRole(url, async (c) => {
      const out: Record<string, string> = {};
      for (const table of ['audit_events', 'audit_checkpoints', 'audit_heads', 'audit_chains'])
        for (const s of attempts(table)) out[s] = await outcome(c, s);
      // The month partitions and the default one live in a schema the runtime role cannot reach,
      // and only the owner creates partitions (drizzle/0015).
      for (const s of [
        'truncate audit_partitions.audit_events_default',
        'delete from audit_partitions.audit_events_default',
        'select audit_ensure_partitions(1)',
        "select audit_create_partition('2030-01-01')",
        "insert into audit_chains (id, name, created_at_ms, head_hash) values (999, 'forged', 0, 'x')",
        "insert into audit_checkpoints (seq, row_hash, signed_at_ms, key_id, signature) values (1, 'x', 0, 'x', 'x')",
        // The log's sequences move only inside the owner's functions.
        "select nextval('audit_events_seq')",
        "select nextval('audit_key_epoch')",
        "select setval('audit_key_epoch', 100)",
        "select nextval('audit_chains_id_seq')",
      ])
        out[s] = await outcome(c, s);
      out['insert into audit_events'] = await outcome(
        c,
        "insert into audit_events (seq, at_ms, request_id, principal_kind, principal_roles, type_name, fields, outcome, rule, via_router, row_hash) values (999999, 0, 'forged', 'user', '{}', 'Patron', '{name}', 'GRANTED', 'x', false, 'x')",
      );
      for (const s of [
        'delete from audit_subject_keys',
        'update audit_subject_keys set patron_id = patron_id',
        'truncate audit_subject_keys',
        'alter table audit_subject_keys owner to current_user',
      ])
        out[s] = await outcome(c, s);
      return out;
    });
    expect(Object.entries(results).filter(([, how]) => how !== 'privilege')).toEqual([]);
    expect(Object.keys(results)).toHaveLength(39);
    // Nothing changed: the log still verifies from the first row.
    expect((await t.db.raw('select min(seq)::int as lo from audit_events'))[0]!.lo).toEqual(1);
  });

  test("retention's crypto-shredding works only through the owner's function", async () => {
    const keys = await t.db.raw(
      "select count(*)::int as n from audit_subject_keys where patron_id = 'pat_adalovelace'",
    );
    expect(keys[0]!.n).toBeGreaterThan(0);
    expect(await shredSubjectKeys(t.database.db, { patronIds: ['pat_adalovelace'] })).toEqual(
      keys[0]!.n,
    );
    expect(
      await t.db.raw(
        "select count(*)::int as n from audit_subject_keys where patron_id = 'pat_adalovelace'",
      ),
    ).toEqual([{ n: 0 }]);
    // The function refuses to run without a criterion, for the runtime role as for anyone.
    await expect(
      asRole(await runtimeRoleUrl(t.db), (c) =>
        c.query('select audit_shred_subject_keys(null, null)'),
      ),
    ).rejects.toMatchObject({ code: '22023' });
  });

  test('npm run db:roles creates a missing runtime role, grants it, and is idempotent', () => {
    const role = `patron_records_cli_${process.pid}`;
    const runtime = new URL(t.db.url!);
    runtime.username = role;
    const env = {
      ...process.env,
      DATABASE_MIGRATION_URL: t.db.url!,
      DATABASE_URL: runtime.toString(),
      LOG_LEVEL: 'silent',
    };
    for (let i = 0; i < 2; i++) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/scripts/db-roles.ts'], {
        env,
        encoding: 'utf8',
      });
      expect([r.status, r.stdout, r.stderr]).toEqual([
        0,
        `runtime role "${role}" granted its privileges\n`,
        '',
      ]);
    }
  }, 60_000);

  test('the production server refuses to start as a superuser or as the owner of the audit tables', async () => {
    const config = loadConfig({ ...PRODUCTION, JWT_PUBLIC_KEY: 'checked-by-the-verifier' });
    const logger = createLogger('silent');
    // The test server's owner connection is a superuser.
    const owner = await openDatabase({ url: t.db.url!, poolSize: 1 });
    await expect(
      startServer({ config, logger, database: owner, verifier: t.issuer.verifier }),
    ).rejects.toEqual(
      new UnsafeRoleError(
        'refusing to start: database role "postgres" is a superuser; connect DATABASE_URL as the runtime role (npm run db:roles creates it)',
      ),
    );
    await owner.close();

    // An owner that is no superuser: the audit tables handed to it.
    const tableOwner = 'patron_records_test_owner';
    await t.db.raw(
      `do $$ begin create role ${tableOwner} login nosuperuser; exception when duplicate_object or unique_violation then null; end $$`,
    );
    for (const table of ['audit_events', 'audit_checkpoints', 'audit_subject_keys'])
      await t.db.raw(`alter table ${table} owner to ${tableOwner}`);
    // It may see that the database is migrated, so that the start gets as far as the role check.
    await t.db.raw(`grant usage on schema drizzle to ${tableOwner}`);
    await t.db.raw(`grant select on all tables in schema drizzle to ${tableOwner}`);
    try {
      const u = new URL(t.db.url!);
      u.username = tableOwner;
      const { publicKey } = await generateKeyPair('ES256');
      // `npm start`'s entry: a clear message naming the role (never the URL), exit 78.
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        env: {
          ...process.env,
          ...PRODUCTION,
          DATABASE_URL: u.toString(),
          JWT_PUBLIC_KEY: await exportSPKI(publicKey),
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect([r.status, r.stderr]).toEqual([
        78,
        `refusing to start: database role "${tableOwner}" owns audit_checkpoints, audit_events, audit_subject_keys; the owner runs migrations (DATABASE_MIGRATION_URL), the server runs as the runtime role (npm run db:roles)\n`,
      ]);
    } finally {
      for (const table of ['audit_events', 'audit_checkpoints', 'audit_subject_keys'])
        await t.db.raw(`alter table ${table} owner to current_user`);
    }
  }, 90_000);
});

describe('production without a witness, on purpose', () => {
  test('starts, and says at start that heads are not witnessed', async () => {
    const p = await startTestServer({
      env: { ...PRODUCTION, JWT_PUBLIC_KEY: 'checked-by-the-verifier', LOG_LEVEL: 'info' },
    });
    try {
      expect(
        p.logs.filter((l) => l.setting === 'AUDIT_UNWITNESSED').map((l) => [l.level, l.msg]),
      ).toEqual([
        [40, 'audit heads are not witnessed: a rollback or wipe of the database would go unseen'],
      ]);
    } finally {
      await p.stop();
    }
  });
});
