// The local graph of `npm run graph` (src/graph/) under two independent federation
// implementations: @apollo/gateway and Hive Gateway serve the same supergraph, composed from this
// subgraph's SDL over HTTP and the catalogue subgraph that owns Item. Every query crosses the two
// subgraphs; both gateways must give the same answers and the same denials as this subgraph
// asked directly (its root fields, or `_entities` as a router asks it).
process.env.APOLLO_TELEMETRY_DISABLED = '1';

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import type { GraphQLFormattedError } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCatalogue, type RunningSubgraph } from '../../src/graph/catalogue.js';
import { composeSupergraph } from '../../src/graph/compose.js';
import { startApolloGateway } from '../../src/graph/gateway.js';
import { PATRONS_SUBGRAPH, subgraphHeaders } from '../../src/graph/headers.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS, type TokenSpec } from '../support/tokens.js';

const SECRET = 'router-secret-for-tests-0123456789abcdef-two-gateways';
const ADA = 'pat_adalovelace';

let patrons: TestServer;
let catalogue: RunningSubgraph;
let apollo: RunningSubgraph;
let hive: { url: string; server: Server; dispose(): Promise<void> };

beforeAll(async () => {
  patrons = await startTestServer({ env: { ROUTER_SECRET: SECRET } });
  catalogue = await startCatalogue(0);
  const supergraphSdl = await composeSupergraph([
    { name: PATRONS_SUBGRAPH, url: patrons.url, headers: { 'x-router-secret': SECRET } },
    { name: 'catalogue', url: catalogue.url },
  ]);
  apollo = await startApolloGateway({ supergraphSdl, routerSecret: SECRET, port: 0 });
  const runtime = createGatewayRuntime({
    supergraph: supergraphSdl,
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request, subgraphName }) =>
        subgraphHeaders(subgraphName, (h) => request.headers.get(h), SECRET),
    },
  });
  const server = createServer(runtime);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hive = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    server,
    dispose: async () => {
      await runtime.dispose();
    },
  };
});

afterAll(async () => {
  await new Promise((resolve) => hive?.server.close(resolve));
  await hive?.dispose();
  await apollo?.stop();
  await catalogue?.stop();
  await patrons?.stop();
});

interface Outcome {
  data: unknown;
  errors: { code: unknown; path: readonly (string | number)[] | undefined }[];
}
type Body = { data?: unknown; errors?: readonly GraphQLFormattedError[] };

const outcome = (body: Body): Outcome => ({
  data: body.data ?? null,
  errors: (body.errors ?? [])
    .map((e) => ({ code: e.extensions?.code, path: e.path }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
});

interface Call {
  as?: TokenSpec;
  purpose?: string;
  headers?: Record<string, string>;
}

async function post(url: string, query: string, call: Call = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...call.headers };
  if (call.as) headers.authorization = `Bearer ${await patrons.issuer.mint(call.as)}`;
  if (call.purpose) headers['x-access-purpose'] = call.purpose;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query }) });
  return { status: res.status, body: (await res.json()) as Body };
}

const GATEWAYS = [
  ['@apollo/gateway', () => apollo.url],
  ['Hive Gateway', () => hive.url],
] as const;

/** The query through both gateways: each answer must be the expected one. */
async function throughBoth(query: string, call: Call, expected: Outcome) {
  for (const [name, url] of GATEWAYS) {
    const r = await post(url(), query, call);
    expect({ gateway: name, ...outcome(r.body) }).toEqual({ gateway: name, ...expected });
  }
}

/** This subgraph asked directly, with the router secret, as a router asks it. */
async function direct(query: string, call: Call = {}) {
  const r = await post(patrons.url, query, {
    ...call,
    headers: { ...call.headers, 'x-router-secret': SECRET },
  });
  return outcome(r.body);
}

/** Removes the catalogue's field from an answer: what is left is this subgraph's part. */
const withoutTitles = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === 'title' ? undefined : v)));

describe('a patron-rooted query that reaches into the catalogue (patrons → catalogue)', () => {
  const Q = `{ patron(id: "${ADA}") { name loans { nodes { id item { id title } } } } }`;
  const cases: [string, Call][] = [
    ['reg. 11: the patron herself', { as: AS.ada }],
    ['another patron: FORBIDDEN, as for an unknown id (reg. 4)', { as: AS.ben }],
    ['reg. 3: a volunteer, even with a purpose', { as: AS.volunteer, purpose: 'CIRCULATION_DESK' }],
    ['reg. 4: circulation staff without a purpose: PURPOSE_REQUIRED', { as: AS.circulation }],
    ['anonymous: UNAUTHENTICATED', {}],
  ];

  test.each(cases)('%s: both gateways answer as the subgraph does directly', async (_, call) => {
    const d = await direct(Q.replace(/ title/g, ''), call);
    for (const [name, url] of GATEWAYS) {
      const g = outcome((await post(url(), Q, call)).body);
      expect({ gateway: name, ...g, data: withoutTitles(g.data) }).toEqual({ gateway: name, ...d });
    }
  });

  test('the titles come from the catalogue, through both gateways', async () => {
    await throughBoth(
      Q,
      { as: AS.ada },
      {
        data: {
          patron: {
            name: 'Ada Lovelace',
            loans: {
              nodes: [
                {
                  id: 'loan_adacurrent',
                  item: { id: 'item_analyticalengine', title: 'Sketch of the Analytical Engine' },
                },
                {
                  id: 'loan_adareturned',
                  item: { id: 'item_notesonbabbage', title: 'Notes on Babbage' },
                },
              ],
            },
          },
        },
        errors: [],
      },
    );
  });
});

describe('a catalogue-rooted query that reaches into patron records (catalogue → _entities)', () => {
  const Q =
    '{ item(id: "item_analyticalengine") { title currentLoan { id dueAt patron { id name } } } }';
  const ENTITIES =
    '{ _entities(representations: [{ __typename: "Loan", id: "loan_adacurrent" }]) { ... on Loan { id dueAt patron { id name } } } }';

  /** The direct `_entities` answer, moved to where the gateway puts the loan. */
  async function directAsItem(call: Call): Promise<Outcome> {
    const d = await direct(ENTITIES, call);
    // A loan refused whole (entity gate): the gateway keeps the key the catalogue gave it and
    // nulls the fields this subgraph owns.
    const loan = (d.data as { _entities: unknown[] } | null)?._entities[0] ?? {
      id: 'loan_adacurrent',
      dueAt: null,
      patron: null,
    };
    return {
      data: { item: { title: 'Sketch of the Analytical Engine', currentLoan: loan } },
      errors: d.errors.map((e) => ({
        code: e.code,
        path: ['item', 'currentLoan', ...(e.path ?? []).slice(2)],
      })),
    };
  }

  const cases: [string, Call][] = [
    ['reg. 2: the Director with a purpose', { as: AS.director, purpose: 'RECORDS_AUDIT' }],
    ['reg. 3: a volunteer', { as: AS.volunteer, purpose: 'CIRCULATION_DESK' }],
    ["another patron, reaching Ada's loan through the catalogue", { as: AS.ben }],
    ['reg. 4: the Director without a purpose', { as: AS.director }],
  ];

  /**
   * Hive Gateway reports a refused entity's error on each field it asked of that entity, not on
   * the entity: an error below a path the direct answer refuses, with the same code, is read as
   * that refusal (once).
   */
  const atRefusals = (o: Outcome, refused: Outcome['errors']): Outcome => {
    const below = (e: Outcome['errors'][number]) =>
      refused.find(
        (r) =>
          r.code === e.code &&
          (e.path?.length ?? 0) > (r.path?.length ?? 0) &&
          (r.path ?? []).every((seg, i) => e.path?.[i] === seg),
      ) ?? e;
    const seen = new Set<string>();
    return {
      ...o,
      errors: o.errors.map(below).filter((e) => {
        const key = JSON.stringify(e);
        return !seen.has(key) && Boolean(seen.add(key));
      }),
    };
  };

  test.each(cases)('%s: both gateways answer as _entities does directly', async (_, call) => {
    const expected = await directAsItem(call);
    for (const [name, url] of GATEWAYS) {
      const r = await post(url(), Q, call);
      expect({ gateway: name, ...atRefusals(outcome(r.body), expected.errors) }).toEqual({
        gateway: name,
        ...expected,
      });
    }
  });

  test('the answers themselves: granted to the Director, FORBIDDEN to a volunteer', async () => {
    expect(await directAsItem({ as: AS.director, purpose: 'RECORDS_AUDIT' })).toEqual({
      data: {
        item: {
          title: 'Sketch of the Analytical Engine',
          currentLoan: {
            id: 'loan_adacurrent',
            dueAt: expect.any(String),
            patron: { id: ADA, name: 'Ada Lovelace' },
          },
        },
      },
      errors: [],
    });
    expect(await directAsItem({ as: AS.volunteer, purpose: 'CIRCULATION_DESK' })).toEqual({
      data: {
        item: {
          title: 'Sketch of the Analytical Engine',
          currentLoan: { id: 'loan_adacurrent', dueAt: null, patron: null },
        },
      },
      errors: [{ code: 'FORBIDDEN', path: ['item', 'currentLoan'] }],
    });
  });
});

describe('what the gateways forward', () => {
  test('the router secret, the request id and the trace context reach the subgraph through both', async () => {
    for (const [name, url] of GATEWAYS) {
      const requestId = `req-${name.replace(/\W/g, '')}-0001`;
      const from = patrons.logs.length;
      await post(url(), `{ patron(id: "${ADA}") { name } }`, {
        as: AS.ada,
        headers: {
          'x-request-id': requestId,
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        },
      });
      const lines = patrons.logs.slice(from).filter((l) => l.msg === 'graphql request');
      expect({ gateway: name, lines: lines.map((l) => [l.requestId, l.viaRouter]) }).toEqual({
        gateway: name,
        lines: [[requestId, true]],
      });
    }
  });

  test('without the secret the subgraph refuses the gateway: nothing is forwarded to a stranger', async () => {
    const r = await post(patrons.url, `{ patron(id: "${ADA}") { name } }`, { as: AS.ada });
    expect(r.status).toBe(401);
  });
});
