// Configuration from the environment, validated once at start with a message that says what is wrong.
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    /** PostgreSQL connection string; when absent, the embedded PGlite database in DATA_DIR is used. */
    DATABASE_URL: z.string().url().optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
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
      .transform((s) => s.split(',').map((a) => a.trim()).filter(Boolean)),
    /**
     * Secret (at least 32 characters) that signs the audit log's checkpoints; kept outside the
     * database so a database superuser cannot rewrite the log unseen. Required in production; the
     * embedded default creates one in DATA_DIR.
     */
    AUDIT_CHECKPOINT_KEY: z.string().min(32).optional(),
    /** Sign a checkpoint every this many audit rows (per process). */
    AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).default(100),
    /** ...and at least this often while rows arrive (ms; 0 turns the timer off). */
    AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV === 'production' && !c.JWT_JWKS_URL && !c.JWT_PUBLIC_KEY) {
      ctx.addIssue({ code: 'custom', path: ['JWT_JWKS_URL'], message: 'production needs JWT_JWKS_URL or JWT_PUBLIC_KEY' });
    }
    if (c.NODE_ENV === 'production' && !c.AUDIT_CHECKPOINT_KEY) {
      ctx.addIssue({ code: 'custom', path: ['AUDIT_CHECKPOINT_KEY'], message: 'production needs AUDIT_CHECKPOINT_KEY (kept outside the database)' });
    }
  });

export type Config = z.infer<typeof schema>;

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
