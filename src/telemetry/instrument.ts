// Spans for HTTP requests, GraphQL operations and database queries, written by hand so that no
// personal value can reach one: names and attributes come from closed lists (route, method,
// operation type, SQL verb, error code) plus the request id the audit rows hold. Never a query
// text, an operation name, a variable, an id, a header value or a SQL statement or parameter.
// OpenTelemetry's API is imported dynamically: the server's bundle (scripts/build.js) must not
// load it at start when tracing is off.
import type { Context, Span } from '@opentelemetry/api';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import type { Database } from '../db/client.js';

const ROUTES = new Set(['/graphql', '/health', '/ready', '/metrics']);
const METHODS = new Set(['GET', 'POST', 'HEAD', 'OPTIONS']);
const SQL_VERBS = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'WITH',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SET',
  'SAVEPOINT',
  'RELEASE',
  'CALL',
  'DO',
  'LOCK',
]);
export const REQUEST_ID_ATTRIBUTE = 'patron_records.request_id';
type Queryable = { query: (...args: unknown[]) => unknown };
const WRAPPED = Symbol('traced');

/** The verb of a statement (SELECT, INSERT, ...), never its text. */
function verbOf(args: unknown[]): string {
  const first = args[0];
  const text = typeof first === 'string' ? first : (first as { text?: unknown })?.text;
  const verb = typeof text === 'string' ? text.trimStart().split(/\s/, 1)[0]!.toUpperCase() : '';
  return SQL_VERBS.has(verb) ? verb : 'other';
}

/** The instrumentation, with OpenTelemetry's API loaded. */
export async function loadTracing() {
  const { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } =
    await import('@opentelemetry/api');
  const tracer = () => trace.getTracer('patron-records');

  /** The server span of each HTTP request, under the caller's `traceparent` when there is one. */
  function httpTracing(): RequestHandler {
    return (req, res, next) => {
      const parent = propagation.extract(ROOT_CONTEXT, req.headers);
      const route = ROUTES.has(req.path) ? req.path : 'other';
      const method = METHODS.has(req.method) ? req.method : 'other';
      const span = tracer().startSpan(
        `${method} ${route}`,
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': method, 'http.route': route },
        },
        parent,
      );
      res.on('finish', () => {
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      const active = trace.setSpan(parent, span);
      // The body arrives on stream events, outside this call: bind them to the request's context.
      context.bind(active, req);
      context.bind(active, res);
      context.with(active, next);
    };
  }

  /** A span per GraphQL operation, and one for its execution; both carry the request id. */
  function graphqlTracing(): ApolloServerPlugin<{ requestId: string }> {
    return {
      async requestDidStart({ contextValue }) {
        const parent: Context = context.active();
        const span = tracer().startSpan('graphql.operation', {}, parent);
        span.setAttribute(REQUEST_ID_ATTRIBUTE, contextValue.requestId);
        trace.getSpan(parent)?.setAttribute(REQUEST_ID_ATTRIBUTE, contextValue.requestId);
        const codes = new Set<string>();
        let execution: Span | undefined;
        return {
          async didResolveOperation({ operation }) {
            const type = operation?.operation ?? 'unknown';
            span.setAttribute('graphql.operation.type', type);
            span.updateName(`graphql.${type}`);
          },
          async executionDidStart() {
            execution = tracer().startSpan('graphql.execute', {}, trace.setSpan(parent, span));
            execution.setAttribute(REQUEST_ID_ATTRIBUTE, contextValue.requestId);
            return {
              async executionDidEnd() {
                execution?.end();
              },
            };
          },
          async didEncounterErrors({ errors }) {
            for (const e of errors) {
              const code = e.extensions?.code;
              codes.add(typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : 'OTHER');
            }
          },
          async willSendResponse() {
            if (codes.size) span.setAttribute('graphql.error.codes', [...codes].sort());
            span.end();
          },
        };
      },
    };
  }

  function traceQueries(target: Queryable, system: string): void {
    const marked = target as Queryable & { [WRAPPED]?: true };
    if (marked[WRAPPED]) return;
    marked[WRAPPED] = true;
    const original = target.query.bind(target);
    target.query = (...args: unknown[]) => {
      const verb = verbOf(args);
      const span = tracer().startSpan(`db ${verb}`, {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': system, 'db.operation.name': verb },
      });
      let result: unknown;
      try {
        result = context.with(trace.setSpan(context.active(), span), () => original(...args));
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        throw err;
      }
      if (result && typeof (result as Promise<unknown>).then === 'function')
        return (result as Promise<unknown>).then(
          (r) => {
            span.end();
            return r;
          },
          (err: unknown) => {
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
            throw err;
          },
        );
      span.end();
      return result;
    };
  }

  /** Database spans: node-postgres's pool and the clients it lends, or PGlite's client. */
  function traceDatabase(database: Database): void {
    if (database.kind === 'pglite') {
      traceQueries(database.client as unknown as Queryable, 'pglite');
      return;
    }
    const pool = database.pool as unknown as Queryable & { connect: (...a: unknown[]) => unknown };
    traceQueries(pool, 'postgresql');
    const connect = pool.connect.bind(pool);
    pool.connect = (...args: unknown[]) => {
      const result = connect(...args);
      if (result && typeof (result as Promise<unknown>).then === 'function')
        return (result as Promise<Queryable>).then((client) => {
          traceQueries(client, 'postgresql');
          return client;
        });
      return result;
    };
  }

  return { httpTracing, graphqlTracing, traceDatabase };
}
