// Least privilege on PostgreSQL: the owner role (DATABASE_MIGRATION_URL) owns the tables and runs
// migrations; the server connects as a runtime role (DATABASE_URL) that may read everything, change
// the domain tables, and reach the audit log only through the owner's SECURITY DEFINER functions
// (migration 0013). A table owner can always disable its triggers, so the server must never be one.
import type pg from 'pg';

const DEFAULT_RUNTIME_ROLE = 'patron_records_app';

/** The audit tables: the runtime role reads them; rows arrive only through owner functions. */
const AUDIT_TABLES = [
  'audit_events',
  'audit_checkpoints',
  'audit_subject_keys',
  'audit_chains',
  'audit_heads',
] as const;

/**
 * What the runtime role may do per table. Tables not listed are domain tables (the server writes
 * them, and retention updates and deletes in them): SELECT, INSERT, UPDATE, DELETE, never TRUNCATE,
 * REFERENCES or TRIGGER.
 */
const TABLE_PRIVILEGES: Record<string, string> = {
  audit_events: 'SELECT',
  audit_subject_keys: 'SELECT',
  // Earlier releases' checkpoints: read by the verifier, no longer written.
  audit_checkpoints: 'SELECT',
  // A writer registers its chain and moves its head only through the owner's functions.
  audit_chains: 'SELECT',
  // A signed head: a forged one fails its signature, and the writer inserts it after the
  // witnesses took it. Never UPDATE or DELETE (the triggers refuse them too).
  audit_heads: 'SELECT, INSERT',
  // Append-only by its triggers; the grant says the same.
  disclosure_events: 'SELECT, INSERT',
};
const DOMAIN_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

/** Functions the runtime role calls that PUBLIC may not (migration 0013 revoked them). */
const DEFINER_FUNCTIONS = [
  'audit_open_chain(text)',
  'audit_append_rows(integer, bigint, jsonb)',
  'audit_subject_pseudonyms(bigint, text[])',
  'audit_shred_subject_keys(timestamptz, text[])',
];

export interface RuntimeRole {
  name: string;
  password: string | null;
}

/** The role DATABASE_URL logs in as (its user name, or the default), and its password if any. */
export function runtimeRoleOf(url: string): RuntimeRole {
  const u = new URL(url);
  return {
    name: decodeURIComponent(u.username) || DEFAULT_RUNTIME_ROLE,
    password: u.password ? decodeURIComponent(u.password) : null,
  };
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * Creates the runtime role if it is missing and grants it exactly its privileges on this database,
 * as the owner. Idempotent; safe when several databases of one cluster do it at once (roles are
 * cluster-wide: the loser of a race to create the role finds it created).
 */
export async function grantRuntimeRole(owner: pg.ClientBase, role: RuntimeRole): Promise<void> {
  const password = role.password ? ` PASSWORD ${literal(role.password)}` : '';
  await owner.query(
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(role.name)}) THEN
         CREATE ROLE ${ident(role.name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT${password};
       END IF;
     EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
     END $$`,
  );
  const { rows } = await owner.query<{ rolsuper: boolean; owns: boolean }>(
    `SELECT r.rolsuper, EXISTS (
       SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relname = ANY($2) AND pg_has_role(r.oid, c.relowner, 'USAGE')
     ) AS owns
     FROM pg_roles r WHERE r.rolname = $1`,
    [role.name, AUDIT_TABLES],
  );
  if (rows[0]?.rolsuper || rows[0]?.owns)
    throw new Error(
      `role "${role.name}" is a superuser or owns the audit tables: it cannot be the runtime role`,
    );
  const who = ident(role.name);
  const db = (await owner.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
  const tables = (
    await owner.query<{ t: string }>(
      `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    )
  ).rows.map((r) => r.t);
  const statements = [
    `GRANT CONNECT ON DATABASE ${ident(db)} TO ${who}`,
    `GRANT USAGE ON SCHEMA public TO ${who}`,
    // The server checks that every migration is applied before it serves.
    `GRANT USAGE ON SCHEMA drizzle TO ${who}`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA drizzle TO ${who}`,
    // The audit log's sequences (its seq, chain ids, the key epoch) move only inside the owner's
    // functions: the runtime role could otherwise burn numbers or bump the key epoch.
    `REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${who}`,
  ];
  const sequences = (
    await owner.query<{ s: string }>(
      `SELECT sequencename AS s FROM pg_sequences
       WHERE schemaname = 'public' AND sequencename NOT LIKE 'audit\\_%' ORDER BY sequencename`,
    )
  ).rows.map((r) => r.s);
  for (const q of sequences)
    statements.push(`GRANT USAGE ON SEQUENCE public.${ident(q)} TO ${who}`);
  for (const t of tables) {
    // Revoke first, so that a privilege granted by hand earlier does not survive a re-run.
    statements.push(`REVOKE ALL ON TABLE public.${ident(t)} FROM ${who}`);
    statements.push(
      `GRANT ${TABLE_PRIVILEGES[t] ?? DOMAIN_PRIVILEGES} ON TABLE public.${ident(t)} TO ${who}`,
    );
  }
  for (const f of DEFINER_FUNCTIONS)
    statements.push(`GRANT EXECUTE ON FUNCTION public.${f} TO ${who}`);
  await owner.query('BEGIN');
  try {
    for (const s of statements) await owner.query(s);
    await owner.query('COMMIT');
  } catch (err) {
    await owner.query('ROLLBACK');
    throw err;
  }
}

export class UnsafeRoleError extends Error {
  override name = 'UnsafeRoleError';
}

/**
 * Production refuses to serve as a superuser or as (a member of) the audit tables' owner: either
 * could disable the append-only triggers and rewrite the log. Names the role, never the URL.
 */
export async function assertRuntimeRole(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ role: string; rolsuper: boolean; owned: string[] }>(
    `SELECT current_user AS role, r.rolsuper, coalesce(array(
       SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relname = ANY($1) AND pg_has_role(current_user, c.relowner, 'USAGE')
       ORDER BY c.relname
     ), '{}') AS owned
     FROM pg_roles r WHERE r.rolname = current_user`,
    [AUDIT_TABLES],
  );
  const me = rows[0]!;
  if (me.rolsuper)
    throw new UnsafeRoleError(
      `refusing to start: database role "${me.role}" is a superuser; connect DATABASE_URL as the runtime role (npm run db:roles creates it)`,
    );
  if (me.owned.length)
    throw new UnsafeRoleError(
      `refusing to start: database role "${me.role}" owns ${me.owned.join(', ')}; the owner runs migrations (DATABASE_MIGRATION_URL), the server runs as the runtime role (npm run db:roles)`,
    );
}
