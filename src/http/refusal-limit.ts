// The refusal rate limit: every refusal is audited, so a caller must not be able to flood the log
// or probe ids at will. Only refused requests are counted (a granted request pays nothing, not
// even a lookup): once a principal's refusals pass REFUSAL_LIMIT within REFUSAL_WINDOW_SECONDS,
// its requests get 429 with Retry-After for REFUSAL_BLOCK_SECONDS. Counters live in PostgreSQL
// (table refusal_limits, shared by every replica) or, on the embedded PGlite, in memory.
// docs/rate-limits-and-errors.md says why the keys are what they are.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterDrizzle } from 'rate-limiter-flexible';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/client.js';
import type { GraphQLContext } from '../graphql/context.js';
import { deleteExpiredRefusals, refusalLimitStore } from '../repositories/refusal-limits.js';
import { rateLimited } from '../graphql/typed-errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

/** The answers that count as a refusal (a bad token counts too: server.ts). */
const REFUSALS = new Set(['FORBIDDEN', 'UNAUTHENTICATED', 'PURPOSE_REQUIRED']);

export interface RefusalLimitSettings {
  /** Refused requests a principal may make within the window; more get 429. */
  limit: number;
  windowSeconds: number;
  blockSeconds: number;
}

/** Blocks this process knows of are kept for at most this many keys (expired ones go first). */
const MAX_LOCAL_BLOCKS = 10_000;
/** Store rows expired for an hour are deleted this often. */
const CLEANUP_MS = 5 * 60_000;

/**
 * The key a refusal counts against, hashed (the table, the log and the metrics never hold an id or
 * an address). A signed-in caller: its principal, whichever replica or address it comes from. An
 * anonymous caller: its address; behind the router (router secret verified) the last entry of
 * X-Forwarded-For, the one the router itself appended, since every client shares the router's
 * own address. Anywhere else the header is the client's to forge, so the socket's address is used.
 */
export function refusalKey(principal: Principal, req: IncomingMessage, viaRouter: boolean): string {
  let who: string;
  if (principal.kind !== 'anonymous') who = `${principal.kind}:${principal.id}`;
  else {
    const forwarded = viaRouter ? req.headers['x-forwarded-for'] : undefined;
    const list = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',');
    const last = list[list.length - 1]?.trim();
    who = `anonymous:${last || req.socket.remoteAddress || 'unknown'}`;
  }
  return createHash('sha256').update(who).digest('hex').slice(0, 32);
}

export class RefusalLimiter {
  /** Keys this process saw pass the limit, and until when (ms): checked without a round trip. */
  private readonly blocked = new Map<string, number>();
  private readonly store: RateLimiterDrizzle | RateLimiterMemory;
  private readonly cleanup: NodeJS.Timeout | null = null;

  constructor(
    database: Database,
    settings: RefusalLimitSettings,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    const options = {
      keyPrefix: 'refusals',
      points: settings.limit,
      duration: settings.windowSeconds,
      blockDuration: settings.blockSeconds,
    };
    if (database.kind === 'postgres') {
      this.store = refusalLimitStore(database.db, options);
      const db = database.db;
      this.cleanup = setInterval(() => {
        deleteExpiredRefusals(db, new Date(Date.now() - 3_600_000)).catch((err: unknown) =>
          this.logger.warn(
            { err: { type: (err as Error)?.constructor?.name } },
            'refusal limit cleanup failed',
          ),
        );
      }, CLEANUP_MS);
      this.cleanup.unref();
    } else {
      // PGlite serves one process: its counters need no table.
      this.store = new RateLimiterMemory(options);
    }
  }

  /** Seconds the key must still wait, or null; from this process's memory only (no round trip). */
  blockedFor(key: string, nowMs = Date.now()): number | null {
    const until = this.blocked.get(key);
    if (until === undefined) return null;
    if (until <= nowMs) {
      this.blocked.delete(key);
      return null;
    }
    return Math.max(1, Math.ceil((until - nowMs) / 1000));
  }

  /**
   * Counts one refused request. Returns the seconds to wait once the key is past its limit, else
   * null. A store that fails is logged and lets the request's own answer stand: the limit is a
   * brake on abuse, and the refusal was already given.
   */
  async refused(key: string): Promise<number | null> {
    try {
      await this.store.consume(key, 1);
      return null;
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        const ms = Math.max(err.msBeforeNext, 1000);
        this.remember(key, Date.now() + ms);
        return Math.ceil(ms / 1000);
      }
      this.logger.error(
        { err: { type: (err as Error)?.constructor?.name } },
        'refusal limit store failed; the refusal was not counted',
      );
      return null;
    }
  }

  /** Logs and counts a throttled request (the key's hash prefix, never an id), and gives its 429 error. */
  throttle(
    requestId: string,
    kind: Principal['kind'],
    key: string,
    retryAfterSeconds: number,
  ): GraphQLError {
    this.logger.warn(
      { requestId, principalKind: kind, limitKey: key.slice(0, 12), retryAfterSeconds },
      'refusals throttled',
    );
    this.metrics.refusalsThrottled(kind);
    return rateLimited(retryAfterSeconds, requestId);
  }

  close(): void {
    if (this.cleanup) clearInterval(this.cleanup);
  }

  private remember(key: string, until: number): void {
    if (this.blocked.size >= MAX_LOCAL_BLOCKS) {
      const now = Date.now();
      for (const [k, u] of this.blocked) if (u <= now) this.blocked.delete(k);
      // Still full: forget the oldest (Map order); the shared store still counts it.
      if (this.blocked.size >= MAX_LOCAL_BLOCKS)
        this.blocked.delete(this.blocked.keys().next().value!);
    }
    this.blocked.set(key, until);
  }
}

/**
 * Counts a request whose answer holds a refusal, once it is known (willSendResponse, beside the
 * audit append, so a refusal costs one round trip more at most). The request that passes the limit
 * is itself answered 429, with no data.
 */
export function refusalLimitPlugin(limiter: RefusalLimiter): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: ctx, response }) {
          if (response.body.kind !== 'single') return;
          const key = ctx?.refusalKey;
          const errors = response.body.singleResult.errors;
          if (!key || !errors?.some((e) => REFUSALS.has(String(e.extensions?.code)))) return;
          const wait = await limiter.refused(key);
          if (wait === null) return;
          const error = limiter.throttle(ctx.requestId, ctx.principal.kind, key, wait);
          response.body = {
            kind: 'single',
            singleResult: {
              data: null,
              errors: [
                {
                  message: error.message,
                  extensions: {
                    code: error.extensions.code,
                    retryAfterSeconds: wait,
                    requestId: ctx.requestId,
                  },
                },
              ],
              extensions: { requestId: ctx.requestId },
            },
          };
          response.http.status = 429;
          response.http.headers.set('retry-after', String(wait));
        },
      };
    },
  };
}
