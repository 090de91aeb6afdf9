// Prometheus metrics of one server instance. Every label value comes from a closed list (route,
// method, status class, basis, category, outcome, limit): no id, name, card number, operation
// name or variable can become a label, so a scrape never carries personal data (invariant 6).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditRow } from './audit/buffer.js';
import type { TokenRejection } from './auth/jwt.js';
import type { Principal } from './auth/principal.js';

const ROUTES = new Set(['/graphql', '/health', '/ready', '/metrics']);
const METHODS = new Set(['GET', 'POST', 'HEAD', 'OPTIONS']);

/** What the audit flush calls after each attempt to make a request's decisions durable. */
export interface AuditFlushMetrics {
  auditFlush(durationMs: number, ok: boolean): void;
}

export type LimitName =
  'depth' | 'aliases' | 'cost' | 'tokens' | 'entities' | 'body' | 'timeout' | 'router_secret';

export class Metrics implements AuditFlushMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'patron_records_http_requests_total',
    help: 'HTTP requests by route, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'patron_records_http_request_duration_seconds',
    help: 'HTTP request latency by route.',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly decisions = new Counter({
    name: 'patron_records_access_decisions_total',
    help: 'Field-level access decisions by category, basis and outcome (one per field and record).',
    labelNames: ['category', 'basis', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly flushLatency = new Histogram({
    name: 'patron_records_audit_flush_duration_seconds',
    help: "Time to make one request's audit records durable, by outcome.",
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  private readonly flushFailures = new Counter({
    name: 'patron_records_audit_flush_failures_total',
    help: 'Audit flushes that failed (the response then carried no protected data).',
    registers: [this.registry],
  });
  private readonly limits = new Counter({
    name: 'patron_records_limit_rejections_total',
    help: 'Requests refused by a limit against abuse, by limit.',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  private readonly tokens = new Counter({
    name: 'patron_records_tokens_rejected_total',
    help: 'Bearer tokens refused (401), by reason class (expired, bad_signature, wrong_audience, ...).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly throttled = new Counter({
    name: 'patron_records_refusals_throttled_total',
    help: 'Requests answered 429 because their principal passed the refusal rate limit, by principal kind.',
    labelNames: ['principal_kind'] as const,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'patron_records_' });
  }

  /** One finished HTTP exchange. Unknown paths and methods are folded into "other". */
  httpRequest(path: string, method: string, status: number, seconds: number): void {
    const route = ROUTES.has(path) ? path : 'other';
    this.requests.inc({
      route,
      method: METHODS.has(method) ? method : 'other',
      status: String(status),
    });
    this.latency.observe({ route }, seconds);
  }

  /** The decisions a request's audit buffer aggregated (rows list their fields: one decision each). */
  accessDecisions(rows: readonly AuditRow[]): void {
    // Summed per label set first: a 100-patron page has hundreds of rows but a handful of label
    // sets. Rows of one decision are adjacent, so most rows match the previous one.
    const sums: { category: string | null; basis: string | null; outcome: string; n: number }[] =
      [];
    let last: (typeof sums)[number] | undefined;
    for (const row of rows) {
      if (
        !last ||
        last.category !== row.category ||
        last.basis !== row.basis ||
        last.outcome !== row.outcome
      ) {
        last = sums.find(
          (x) => x.category === row.category && x.basis === row.basis && x.outcome === row.outcome,
        );
        if (!last)
          sums.push(
            (last = { category: row.category, basis: row.basis, outcome: row.outcome, n: 0 }),
          );
      }
      last.n += row.fields.size;
    }
    for (const x of sums)
      this.decisions.inc(
        { category: x.category ?? 'NONE', basis: x.basis ?? 'NONE', outcome: x.outcome },
        x.n,
      );
  }

  auditFlush(durationMs: number, ok: boolean): void {
    this.flushLatency.observe({ outcome: ok ? 'ok' : 'failed' }, durationMs / 1000);
    if (!ok) this.flushFailures.inc();
  }

  /** A refused bearer token, by reason class (a closed list). */
  tokenRejected(reason: TokenRejection): void {
    this.tokens.inc({ reason });
  }

  /** A request answered 429 by the refusal rate limit; `kind` is user, anonymous or system. */
  refusalsThrottled(kind: Principal['kind']): void {
    this.throttled.inc({ principal_kind: kind });
  }

  limitRejected(limit: LimitName): void {
    this.limits.inc({ limit });
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
