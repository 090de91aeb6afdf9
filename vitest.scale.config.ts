// npm run test:pglite-scale: the embedded default loaded at scale, apart from npm test (minutes,
// one file, one worker).
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  test: { ...base.test, include: ['test/scale/**/*.scale.ts'], maxWorkers: 1 },
});
