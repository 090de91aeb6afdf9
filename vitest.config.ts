import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// Each test file gets its own database (an in-memory PGlite, or its own database on the
// PostgreSQL server of DATABASE_URL), so files run in parallel without seeing each other's rows.
export default defineConfig({
  resolve: {
    // One graphql instance: Apollo's CommonJS packages load graphql's CJS build, so ours must too.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
