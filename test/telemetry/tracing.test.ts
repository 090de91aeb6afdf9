// OpenTelemetry: one request under an incoming traceparent gives one span tree (HTTP → GraphQL
// operation → execution → database queries) in the caller's trace, carrying the request id the
// audit rows hold, and no personal value anywhere: canaries in the variables, the arguments,
// the headers and the data must appear in no span name, attribute or event.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTracing } from '../../src/telemetry/sdk.js';
import { tracingRequested } from '../../src/telemetry/index.js';
import { REQUEST_ID_ATTRIBUTE } from '../../src/telemetry/instrument.js';
import { demoCardNumber } from '../../src/seed/demo.js';
import { decisionsOf } from '../support/audit.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const REQUEST_ID = 'trace-test-0001';

const exporter = new InMemorySpanExporter();
let tracing: { shutdown(): Promise<void> };
let t: TestServer;

beforeAll(async () => {
  tracing = await startTracing(new SimpleSpanProcessor(exporter));
  t = await startTestServer();
});

afterAll(async () => {
  await t?.stop();
  await tracing?.shutdown();
});

test('tracing is requested only by the standard variables, and `none` or OTEL_SDK_DISABLED wins', () => {
  expect(tracingRequested({})).toBe(false);
  expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
  expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
  expect(
    tracingRequested({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_TRACES_EXPORTER: 'none',
    }),
  ).toBe(false);
  expect(
    tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }),
  ).toBe(false);
});

test('one request under an incoming traceparent: one span tree in that trace, with the audit rows’ request id and no canary', async () => {
  exporter.reset();
  const canaries = [
    'pat_adalovelace', // the patron id, as a variable
    'Ada Lovelace', // a name in the data
    'ada@example.org',
    demoCardNumber(1), // a card number in the data
    'Zebulon-Canary', // a search prefix, as an inline argument
    'CIRCULATION_DESK', // the purpose header's value
    AS.circulation.sub, // the staff id in the token
    'DashboardCanaryOp', // the operation name
  ];
  const token = await t.issuer.mint(AS.circulation);
  canaries.push(token);
  const res = await fetch(t.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'x-access-purpose': 'CIRCULATION_DESK',
      'x-request-id': REQUEST_ID,
      traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01`,
    },
    body: JSON.stringify({
      query:
        'query DashboardCanaryOp($id: ID!) { patron(id: $id) { name email cardNumber birthDate } patrons(search: { namePrefix: "Zebulon-Canary" }) { nodes { id } } }',
      variables: { id: 'pat_adalovelace' },
    }),
  });
  const body = (await res.json()) as { data: { patron: { name: string } } };
  expect(body.data.patron.name).toBe('Ada Lovelace');

  const all = exporter.getFinishedSpans();
  // Background work (the audit writer's checkpoint timer) traces on its own, outside any request.
  const background = all.filter((s) => s.spanContext().traceId !== TRACE_ID);
  expect(background.filter((s) => !s.name.startsWith('db ') || s.parentSpanContext)).toEqual([]);
  const spans = all.filter((s) => s.spanContext().traceId === TRACE_ID);
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
  // The tree, as names: each span under its parent, from the router's span down.
  const tree = (parent: string, depth = 0): string[] =>
    spans
      .filter((s) => parentOf(s) === parent)
      .map((s) => s.name)
      .sort()
      .filter((name, i, all) => all.indexOf(name) === i)
      .flatMap((name) => {
        const first = spans.find((s) => parentOf(s) === parent && s.name === name)!;
        return [`${'  '.repeat(depth)}${name}`, ...tree(first.spanContext().spanId, depth + 1)];
      });
  const http = spans.find((s) => s.name === 'POST /graphql')!;
  const operation = spans.find((s) => s.name === 'graphql.query')!;
  const execute = spans.find((s) => s.name === 'graphql.execute')!;
  expect({
    root: parentOf(http),
    operationUnder: byId.get(parentOf(operation)!)?.name,
    executeUnder: byId.get(parentOf(execute)!)?.name,
  }).toEqual({
    root: PARENT_SPAN,
    operationUnder: 'POST /graphql',
    executeUnder: 'graphql.query',
  });
  const dbSpans = all.filter((s) => s.name.startsWith('db '));
  expect(dbSpans.length).toBeGreaterThan(0);
  // Every database query of the request is inside the request's tree.
  const inTree = (s: ReadableSpan): boolean => {
    const p = parentOf(s);
    return p === PARENT_SPAN || (p !== undefined && byId.has(p) && inTree(byId.get(p)!));
  };
  expect(dbSpans.filter((s) => !background.includes(s) && !inTree(s))).toEqual([]);
  expect(dbSpans.filter((s) => inTree(s)).length).toBeGreaterThan(0);
  console.log(['(router) ' + PARENT_SPAN, ...tree(PARENT_SPAN, 1)].join('\n'));

  // The request id is the audit rows' one.
  expect(await decisionsOf(t, REQUEST_ID)).toContain('pat_adalovelace|Patron|birthDate|DENIED|-|-');
  expect({
    http: http.attributes[REQUEST_ID_ATTRIBUTE],
    operation: operation.attributes[REQUEST_ID_ATTRIBUTE],
  }).toEqual({ http: REQUEST_ID, operation: REQUEST_ID });
  expect(operation.attributes['graphql.error.codes']).toEqual(['FORBIDDEN']);

  // No canary in any span's name, attributes, events or status.
  const text = JSON.stringify(
    all.map((s) => ({
      name: s.name,
      attributes: s.attributes,
      events: s.events,
      status: s.status,
      links: s.links,
    })),
  );
  expect(canaries.filter((c) => text.includes(c))).toEqual([]);
  // Database spans say which verb ran, never the statement.
  expect([...new Set(dbSpans.map((s) => Object.keys(s.attributes).sort().join(',')))]).toEqual([
    'db.operation.name,db.system.name',
  ]);
});
