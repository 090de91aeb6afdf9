// Configuration from the environment, validated once at start with a message that says what is wrong.
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** A positive whole-number limit with a documented default. */
const limit = (byDefault: number) =>
  z.coerce.number().int().min(1).max(1_000_000_000).default(byDefault);
/** A whole number of days, at most ten years. */
const days = z.coerce.number().int().min(0).max(3650);

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    /** PostgreSQL connection string; when absent, the embedded PGlite database in DATA_DIR is used. */
    DATABASE_URL: z.string().url().optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    /**
     * The owner role's connection (PostgreSQL): migrations and `npm run seed` use it when set, and
     * the server then serves as the runtime role of DATABASE_URL (`npm run db:roles` creates it).
     */
    DATABASE_MIGRATION_URL: z.string().url().optional(),
    /** statement_timeout of the server's PostgreSQL sessions (ms; 0 = none): a stuck query cannot hold the audit lock. */
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000),
    /** idle_in_transaction_session_timeout of the server's PostgreSQL sessions (ms; 0 = none). */
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(3_600_000)
      .default(10_000),
    /** Folder for the embedded database and the development signing key. */
    DATA_DIR: z.string().min(1).default('.data'),
    /** Load the demo library into an empty embedded database on start. */
    SEED_DEMO: bool.default(true),
    JWT_ISSUER: z.string().min(1).default('urn:mpl:patron-records:dev'),
    JWT_AUDIENCE: z.string().min(1).default('urn:mpl:patron-records'),
    /** Remote key set of the identity provider (production). */
    JWT_JWKS_URL: z.string().url().optional(),
    /** SPKI PEM public key of the identity provider, instead of a JWKS URL. */
    JWT_PUBLIC_KEY: z.string().min(1).optional(),
    JWT_ALGORITHMS: z
      .string()
      .default('ES256')
      .transform((s) =>
        s
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean),
      ),
    /**
     * Server secret for vendors' pseudonymous patron ids (base64, at least 32 bytes). When absent,
     * one is created in DATA_DIR on first use (embedded default); production must set it.
     */
    VENDOR_PSEUDONYM_KEY: z
      .string()
      .refine((s) => Buffer.from(s, 'base64').length >= 32, 'must be at least 32 bytes, base64')
      .optional(),
    /** Wrong PINs at one vendor, within the lock window, that lock a card for that vendor; the same
     * number of wrong current PINs locks the patron's own PIN changes. */
    VENDOR_PIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
    /** How long a locked card (or PIN change) stays locked (also the window failures count in). */
    VENDOR_PIN_LOCK_MINUTES: z.coerce.number().int().min(1).max(10_080).default(15),
    /** Fines owed at or above this (cents) put a patron out of good standing for vendors. */
    VENDOR_FINE_LIMIT_CENTS: z.coerce.number().int().min(1).max(10_000_000).default(1000),
    /** Emergency disclosures (regulation 1): how long the requester may read the identity released. */
    EMERGENCY_ACCESS_HOURS: z.coerce.number().int().min(1).max(72).default(24),
    /** Emergency disclosures: how soon the Director must ratify or repudiate one. */
    EMERGENCY_RATIFICATION_HOURS: z.coerce.number().int().min(1).max(720).default(72),
    /** The Director's queue lists approved requests whose access closes within this many days. */
    DISCLOSURE_EXPIRY_WARNING_DAYS: z.coerce.number().int().min(1).max(90).default(7),
    /** The longest access window an approval may give. */
    DISCLOSURE_MAX_ACCESS_DAYS: z.coerce.number().int().min(1).max(365).default(90),
    /**
     * Secret (at least 32 characters) that signs the audit log's checkpoints; kept outside the
     * database so a database superuser cannot rewrite the log unseen. Required in production; the
     * embedded default creates one in DATA_DIR.
     */
    AUDIT_CHECKPOINT_KEY: z.string().min(32).optional(),
    /**
     * Sign (and witness) a head every this many audit rows (per process)... The unwitnessed tail
     * (rows a rollback could take unseen) stays under these two bounds: docs/audit-trust.md.
     */
    AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).default(500),
    /** ...and at least this often while rows arrive, and at shutdown (ms; 0 turns the timer off). */
    AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(0).default(2_000),
    /**
     * Append-only directory where every signed head is published (one fsync'd file per head) before
     * it counts; keep it on other storage than the database, or ship it elsewhere.
     */
    AUDIT_WITNESS_DIR: z.string().min(1).optional(),
    /** Production without a witness: only as a deliberate choice (logged at every start). */
    AUDIT_UNWITNESSED: bool.default(false),
    /**
     * Names this process's audit chain (one chain per writer, no lock shared by the fleet). Unset: a
     * random id per process start. Give each replica its own; two processes with one id share a chain safely.
     */
    AUDIT_WRITER_ID: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/)
      .refine((v) => v !== 'audit_events', 'audit_events names the chain of earlier releases')
      .optional(),
    /** PEM certificate (chain) and private key files: with both, the server speaks HTTPS only. */
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    /** PEM CA bundle that client certificates must chain to (mutual TLS with the router). */
    TLS_CLIENT_CA_FILE: z.string().min(1).optional(),
    /** Refuse connections without a client certificate signed by TLS_CLIENT_CA_FILE. */
    TLS_REQUIRE_CLIENT_CERT: bool.default(false),
    /** Production over plain HTTP: only when TLS ends in front of the server (a proxy or mesh sidecar). */
    TLS_TERMINATED_UPSTREAM: bool.default(false),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    /**
     * Shared secret the federated router sends in the `x-router-secret` header. When set, any
     * /graphql request without it is refused (401) before its body is read. Required in production.
     */
    ROUTER_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    // Limits against abuse (docs/rate-limits-and-errors.md; README "Configuration" lists the defaults).
    /** Deepest selection nesting of an operation (fragments flattened). */
    MAX_QUERY_DEPTH: limit(10),
    /** Aliased fields in one operation. */
    MAX_ALIASES: limit(15),
    /**
     * Cost of an operation (graphql-armor cost-limit: object 2, scalar 1, ×1.5 per level, ×first,
     * with `first` taken from literals, variables or the schema default). 100 patrons × 20 loans ≈ 79,000.
     */
    MAX_QUERY_COST: limit(100_000),
    /** Lexical tokens of a document (graphql-js's own parser limit). */
    MAX_QUERY_TOKENS: limit(2_000),
    /** Representations in one `_entities` call from the router. */
    MAX_ENTITY_REPRESENTATIONS: limit(500),
    /** Request body size in bytes (larger bodies get 413). */
    MAX_BODY_BYTES: limit(100_000),
    /** Execution time of one operation in milliseconds; fields not started by then fail. */
    EXECUTION_TIMEOUT_MS: limit(10_000),
    /** GraphQL requests running at once; the next ones wait their turn, in arrival order. */
    MAX_CONCURRENT_REQUESTS: limit(32),
    /** Refused requests (FORBIDDEN, UNAUTHENTICATED, PURPOSE_REQUIRED, bad token) one principal may make per window. */
    REFUSAL_LIMIT: limit(30),
    /** The window refusals are counted in, in seconds. */
    REFUSAL_WINDOW_SECONDS: limit(60),
    /** How long a principal past the limit gets 429, in seconds. */
    REFUSAL_BLOCK_SECONDS: limit(300),
    // Retention (regulation 5): days each category keeps its patron link; see docs/retention.md.
    /** Returned loans, from return (or from the close of the last fine on the loan). 0: at the next run. */
    RETENTION_LOAN_DAYS: days.default(0),
    /** Paid or waived fines, from the day they closed. */
    RETENTION_FINE_DAYS: days.default(30),
    /** Finished reference consults, from the day they finished. */
    RETENTION_CONSULT_DAYS: days.default(14),
    /** Closed disclosure requests (records schedule), from closing or the end of a nondisclosure order. */
    RETENTION_DISCLOSURE_DAYS: days.default(365),
    /** Rows changed per statement: each batch is its own short transaction. */
    /** Audit-log rows stop naming a patron this many days after the month of the access ends. */
    RETENTION_AUDIT_LINK_DAYS: days.default(180),
    RETENTION_BATCH_SIZE: z.coerce.number().int().min(100).max(50_000).default(5000),
    /** Run retention inside the server every N minutes; 0 (default) leaves it to `npm run retention`. */
    RETENTION_INTERVAL_MINUTES: z.coerce.number().int().min(0).max(10_080).default(0),
    /** Statistics cells counting fewer than this many are suppressed (regulation 9). */
    STATISTICS_MIN_CELL: z.coerce.number().int().min(2).max(1000).default(10),
    /**
     * The privacy console under /console (docs/console.md), with its own GraphQL entry that admits an
     * identity provider's bearer token without the router secret. Default: on in development only.
     */
    CONSOLE_ENABLED: bool.optional(),
    /** The console's log health starts a new background verification when the last is older (minutes). */
    AUDIT_VERIFY_MAX_AGE_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  })
  .superRefine((c, ctx) => {
    if (Boolean(c.TLS_CERT_FILE) !== Boolean(c.TLS_KEY_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE'],
        message: 'TLS needs both TLS_CERT_FILE and TLS_KEY_FILE',
      });
    }
    if (c.TLS_REQUIRE_CLIENT_CERT && (!c.TLS_CLIENT_CA_FILE || !c.TLS_CERT_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TLS_CLIENT_CA_FILE'],
        message: 'TLS_REQUIRE_CLIENT_CERT needs TLS_CLIENT_CA_FILE, TLS_CERT_FILE and TLS_KEY_FILE',
      });
    }
    if (c.NODE_ENV === 'production' && !c.TLS_CERT_FILE && !c.TLS_TERMINATED_UPSTREAM) {
      ctx.addIssue({
        code: 'custom',
        path: ['TLS_CERT_FILE'],
        message:
          'production needs TLS_CERT_FILE and TLS_KEY_FILE, or TLS_TERMINATED_UPSTREAM=true when TLS ends in front of the server',
      });
    }
    if (c.NODE_ENV === 'production' && !c.JWT_JWKS_URL && !c.JWT_PUBLIC_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_JWKS_URL'],
        message: 'production needs JWT_JWKS_URL or JWT_PUBLIC_KEY',
      });
    }
    if (c.NODE_ENV === 'production' && !c.VENDOR_PSEUDONYM_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['VENDOR_PSEUDONYM_KEY'],
        message: 'production needs VENDOR_PSEUDONYM_KEY',
      });
    }
    // In production only the router may reach the subgraph (DESIGN "How a request flows").
    if (c.NODE_ENV === 'production' && !c.ROUTER_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['ROUTER_SECRET'],
        message: 'production needs ROUTER_SECRET',
      });
    }
    // Browsers present no client certificate: a console needs a replica that does not demand one.
    if (c.CONSOLE_ENABLED && c.TLS_REQUIRE_CLIENT_CERT) {
      ctx.addIssue({
        code: 'custom',
        path: ['CONSOLE_ENABLED'],
        message:
          'CONSOLE_ENABLED needs a listener browsers can reach: run the console on a replica without TLS_REQUIRE_CLIENT_CERT (docs/console.md)',
      });
    }
    if (c.NODE_ENV === 'production' && !c.AUDIT_CHECKPOINT_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUDIT_CHECKPOINT_KEY'],
        message: 'production needs AUDIT_CHECKPOINT_KEY (kept outside the database)',
      });
    }
    if (c.NODE_ENV === 'production' && !c.AUDIT_WITNESS_DIR && !c.AUDIT_UNWITNESSED) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUDIT_WITNESS_DIR'],
        message:
          'production needs AUDIT_WITNESS_DIR (signed heads kept outside the database), or AUDIT_UNWITNESSED=true to run without a witness on purpose',
      });
    }
  });

export type Config = z.infer<typeof schema>;

/** Whether the privacy console is served: CONSOLE_ENABLED, or by default in development only. */
export const consoleEnabled = (c: Pick<Config, 'CONSOLE_ENABLED' | 'NODE_ENV'>): boolean =>
  c.CONSOLE_ENABLED ?? c.NODE_ENV === 'development';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parse the environment; throws a ConfigError listing every bad variable (names only, no values). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** For command-line entry points: the configuration, or a message on stderr and exit 78 (EX_CONFIG). */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
