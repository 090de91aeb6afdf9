import { defineConfig } from 'drizzle-kit';

// Tables live beside their domain in src/db/schema/<domain>.sql.ts; migrations are generated
// into drizzle/ and committed. CI regenerates them and fails on any difference.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/*.sql.ts',
  out: './drizzle',
  strict: true,
});
