// The benchmark scenarios: who asks, with which headers, and the operation. Scenario 2 runs twice:
// as the Director (whose powers need no lookup) and as circulation staff (a designation lookup and
// a decision per patron). The dataset must hold patrons 10 and 1000–1693 (at least 1,700 patrons).
import { exportSPKI, generateKeyPair } from 'jose';
import { mintToken } from '../src/auth/jwt.js';
import { DEMO, demoCardNumber } from '../src/seed/demo.js';
import { benchPatronId } from './seed-scale.js';
import type { ScenarioKey } from './options.js';

export const BENCH_ISSUER = 'urn:mpl:bench:idp';
export const BENCH_AUDIENCE = 'urn:mpl:patron-records';
export const ROUTER_SECRET = 'bench-router-secret-0123456789abcdef0123';

export interface Scenario {
  id: ScenarioKey;
  name: string;
  headers: Record<string, string>;
  body: string;
}

const json = (query: string, variables?: Record<string, unknown>) =>
  JSON.stringify({ query, variables });

export interface BenchKeys {
  publicKeyPem: string;
  scenarios: Scenario[];
}

/** A fresh ES256 key pair: the servers trust its public key (JWT_PUBLIC_KEY), the bench mints with it. */
export async function benchScenarios(): Promise<BenchKeys> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const mint = (
    o: Parameters<typeof mintToken>[1] extends infer M
      ? Omit<M & object, 'issuer' | 'audience'>
      : never,
  ) =>
    mintToken(privateKey, {
      ...o,
      issuer: BENCH_ISSUER,
      audience: BENCH_AUDIENCE,
      expiresIn: '2h',
    });
  const base = { 'content-type': 'application/json', 'x-router-secret': ROUTER_SECRET };
  const circulation = await mint({ sub: DEMO.staff.circulation, roles: ['circulation'] });
  const patron = await mint({
    sub: 'user_bench10',
    roles: ['patron'],
    patronId: benchPatronId(10),
  });
  const vendor = await mint({
    sub: 'svc_ebooks',
    roles: ['vendor'],
    vendorId: DEMO.vendor,
    scope: 'card:verify card:read',
  });
  const director = await mint({ sub: DEMO.staff.director, roles: ['director'] });
  const staff = {
    ...base,
    authorization: `Bearer ${circulation}`,
    'x-access-purpose': 'CIRCULATION_DESK',
  };
  // The router forwards a Director's request (no designation lookup) or a circulation desk's.
  const router = {
    ...base,
    authorization: `Bearer ${director}`,
    'x-access-purpose': 'RECORDS_AUDIT',
  };
  const representations = Array.from({ length: 100 }, (_, i) => ({
    __typename: 'Patron',
    id: benchPatronId(1000 + i * 7),
  }));
  const entities = json(
    `query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ... on Patron { id name email phone cardNumber city } } }`,
    { representations },
  );
  return {
    publicKeyPem: await exportSPKI(publicKey),
    scenarios: [
      {
        id: '1',
        name: 'staff dashboard (circulation): 100 patrons × 5 personal fields + current loans',
        headers: staff,
        body: json(
          `query Dashboard { patrons(search: { status: ACTIVE }, first: 100) { nodes { id name email phone cardNumber city
             loans(filter: { status: ON_LOAN }) { nodes { id dueAt branch } } } } }`,
        ),
      },
      {
        id: '2',
        name: "gateway _entities: 100 Patron representations (Director's request)",
        headers: router,
        body: entities,
      },
      {
        id: '2c',
        name: "gateway _entities: 100 Patron representations (circulation staff's request)",
        headers: staff,
        body: entities,
      },
      {
        id: '3',
        name: "patron's own `me` with loans and fines",
        headers: { ...base, authorization: `Bearer ${patron}` },
        body: json(
          `query Me { me { id name email cardNumber loans { nodes { id dueAt returnedAt status } } fines { nodes { id amountCents status reason } } } }`,
        ),
      },
      {
        id: '4',
        name: 'vendor verifyCard (PIN checked with scrypt)',
        headers: { ...base, authorization: `Bearer ${vendor}` },
        body: json(
          `mutation Verify($card: String!, $pin: String!) { verifyCard(cardNumber: $card, pin: $pin) { cardValid pinValid goodStanding } }`,
          {
            card: demoCardNumber(1),
            pin: DEMO.pin,
          },
        ),
      },
    ],
  };
}
