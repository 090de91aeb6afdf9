// Shared by the disclosure tests: a movable clock for the server, the workflow's operations, and
// the root rules alone over resolvers that would not refuse.
import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql } from 'graphql';
import { expect } from 'vitest';
import { identify } from '../../../src/http/identify.js';
import { createContext } from '../../../src/graphql/context.js';
import { resolvers } from '../../../src/graphql/resolvers/index.js';
import { protect } from '../../../src/graphql/schema.js';
import { loadTypeDefs } from '../../../src/graphql/sdl.js';
import { createLogger } from '../../../src/logger.js';
import type { CallOptions, GraphQLResponse, TestServer } from '../../support/server.js';
import { AS, type TokenSpec } from '../../support/tokens.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** The server's clock: real time shifted by `offset` milliseconds. */
export function movableClock() {
  const clock = {
    offset: 0,
    now: () => new Date(Date.now() + clock.offset),
    at: (ms: number) => new Date(Date.now() + clock.offset + ms).toISOString(),
  };
  return clock;
}

export const REQUEST_FIELDS = `id status instrument categories scopeFrom scopeTo requesterId receivedBy decidedBy decisionAuthority
  decisionDesignationId decisionNote accessExpiresAt nondisclosureUntil closedAt ratificationDueAt ratifiedAt repudiatedAt emergencyReviewedBy
  patrons { id }
  events { sequence action fromStatus toStatus actorId authority designationId note }`;

export const director = { as: AS.director, purpose: 'DISCLOSURE_REVIEW' } satisfies CallOptions;
export const circulation = {
  as: AS.circulation,
  purpose: 'CIRCULATION_DESK',
} satisfies CallOptions;
export const deputy = { as: AS.deputy, purpose: 'DISCLOSURE_REVIEW' } satisfies CallOptions;

export const MUTATIONS = {
  BEGIN_REVIEW: `mutation($id: ID!) { r: beginDisclosureReview(id: $id) { id status } }`,
  APPROVE: `mutation($id: ID!, $input: ApproveDisclosureInput!) { r: approveDisclosureRequest(id: $id, input: $input) { id status } }`,
  DENY: `mutation($id: ID!) { r: denyDisclosureRequest(id: $id, reason: "Instrument does not name a patron.") { id status } }`,
  FULFILL: `mutation($id: ID!) { r: fulfillDisclosureRequest(id: $id) { id status } }`,
  WITHDRAW: `mutation($id: ID!) { r: withdrawDisclosureRequest(id: $id) { id status } }`,
  RATIFY: `mutation($id: ID!) { r: ratifyEmergencyDisclosure(id: $id) { id status } }`,
  REPUDIATE: `mutation($id: ID!) { r: repudiateEmergencyDisclosure(id: $id, reason: "No danger to anyone.") { id status } }`,
} as const;
export type Step = keyof typeof MUTATIONS;

/** Variables for a step on request `id` (an approval gets a 10-day access window). */
export function stepVariables(
  step: Step,
  id: string,
  clock: ReturnType<typeof movableClock>,
  input: Record<string, unknown> = {},
) {
  return step === 'APPROVE'
    ? { id, input: { accessExpiresAt: clock.at(10 * DAY), ...input } }
    : { id };
}

export async function step(
  t: TestServer,
  s: Step,
  id: string,
  who: CallOptions,
  clock: ReturnType<typeof movableClock>,
  input?: Record<string, unknown>,
) {
  return t.gql<{ r: { id: string; status: string } }>(MUTATIONS[s], {
    ...who,
    variables: stepVariables(s, id, clock, input),
  });
}

export function intakeInput(overrides: Record<string, unknown> = {}) {
  return {
    requesterId: 'req_court',
    requesterName: 'Clerk J. Park',
    agency: 'District Court',
    instrument: 'SUBPOENA',
    form: 'WRITTEN',
    instrumentReference: 'CV-2025-0142',
    issuingAuthority: 'Riley County District Court',
    patronIds: ['pat_adalovelace'],
    categories: ['IDENTITY', 'CIRCULATION'],
    ...overrides,
  };
}

/** Takes a request in at the circulation desk and returns its id. */
export async function receive(
  t: TestServer,
  overrides: Record<string, unknown> = {},
  who: CallOptions = circulation,
): Promise<string> {
  const r = await t.gql<{ r: { id: string; status: string } }>(
    `mutation($input: ReceiveDisclosureRequestInput!) { r: receiveDisclosureRequest(input: $input) { id status } }`,
    { ...who, variables: { input: intakeInput(overrides) } },
  );
  expect(r.body.errors).toBeUndefined();
  expect(r.body.data?.r.status).toBe('RECEIVED');
  return r.body.data!.r.id;
}

export async function readRequest(t: TestServer, id: string, who: CallOptions = director) {
  const r = await t.gql<{
    disclosureRequest: Record<string, unknown> & { events: Record<string, unknown>[] };
  }>(`query($id: ID!) { disclosureRequest(id: $id) { ${REQUEST_FIELDS} } }`, {
    ...who,
    variables: { id },
  });
  expect(r.body.errors).toBeUndefined();
  return r.body.data!.disclosureRequest;
}

export const codes = (r: GraphQLResponse) => (r.body.errors ?? []).map((e) => e.extensions?.code);

/** The request row and its event count, straight from the database. */
export async function snapshot(t: TestServer, id: string) {
  const [row] = await t.db.raw('select * from disclosure_requests where id = $1', [id]);
  const [events] = await t.db.raw(
    'select count(*)::int as n from disclosure_events where request_id = $1',
    [id],
  );
  const patrons = await t.db.raw(
    'select patron_id from disclosure_request_patrons where request_id = $1 order by patron_id',
    [id],
  );
  return { row, events: events!.n, patrons };
}

/**
 * The root rules alone: the real SDL and rule tree (protect()) over resolvers for `mutations` that
 * accept anyone and record that they were reached, so any refusal is the rule's, not the service's.
 */
export function rootRulesOnly(
  server: () => TestServer,
  now: () => Date,
  mutations: readonly string[],
) {
  const reached: string[] = [];
  let schema: ReturnType<typeof protect> | undefined;
  const build = () =>
    (schema ??= protect(
      buildSubgraphSchema([
        {
          typeDefs: loadTypeDefs(),
          resolvers: {
            ...resolvers,
            Mutation: {
              ...resolvers.Mutation,
              ...Object.fromEntries(
                mutations.map((m) => [m, () => (reached.push(m), { id: 'x' })]),
              ),
            },
          } as never,
        },
      ]),
    ));
  async function call(source: string, who: TokenSpec | null, purpose: string | null) {
    const t = server();
    const headers: Record<string, string> = {};
    if (who) headers.authorization = `Bearer ${await t.issuer.mint(who)}`;
    if (purpose) headers['x-access-purpose'] = purpose;
    const ctx = createContext(
      t.db.database.db,
      createLogger('silent'),
      await identify(headers, t.issuer.verifier, false),
      now,
    );
    return graphql({ schema: build(), source, contextValue: ctx });
  }
  /** The document is refused with `code`, and no resolver was reached. */
  async function expectRefused(
    source: string,
    who: TokenSpec | null,
    purpose: string | null,
    code: string,
  ) {
    reached.length = 0;
    const r = await call(source, who, purpose);
    expect({ data: r.data, codes: r.errors?.map((e) => e.extensions.code), reached }).toEqual({
      data: null,
      codes: [code],
      reached: [],
    });
  }
  return { reached, call, expectRefused };
}
