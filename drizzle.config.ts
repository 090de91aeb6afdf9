import { defineConfig } from 'drizzle-kit';

// Tables live beside their domain in src/db/schema/<domain>.sql.ts; migrations are generated
// into drizzle/ and committed. CI regenerates them and fails on any difference.
// `npx drizzle-kit migrate` / `studio` connect as the owner role (DATABASE_MIGRATION_URL), else
// DATABASE_URL; `generate` and `check` need no database.
const url = process.env.DATABASE_MIGRATION_URL ?? process.env.DATABASE_URL;

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/*.sql.ts',
  out: './drizzle',
  strict: true,
  ...(url ? { dbCredentials: { url } } : {}),
});
