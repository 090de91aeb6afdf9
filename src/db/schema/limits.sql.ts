// Counters of the refusal rate limit (src/http/refusal-limit.ts), shared by every replica on
// PostgreSQL. The shape is rate-limiter-flexible's RateLimiterDrizzle store: key, points, expire.
// Keys are hashes of the principal (or an anonymous caller's address), never the id itself.
import { index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { instant } from './columns.js';

export const refusalLimits = pgTable(
  'refusal_limits',
  {
    key: text('key').primaryKey(),
    points: integer('points').notNull().default(0),
    expire: instant('expire'),
  },
  // The library's cleanup deletes rows expired an hour ago.
  (t) => [index('refusal_limits_expire_idx').on(t.expire)],
);
