// Real signed JWTs for tests: an ES256 key pair made per test run, and a verifier that trusts it.
import { generateKeyPair, type CryptoKey } from 'jose';
import { createTokenVerifier, mintToken, type TokenVerifier } from '../../src/auth/jwt.js';
import type { Role } from '../../src/auth/principal.js';
import { DEMO } from '../../src/seed/demo.js';

export const ISSUER = 'urn:test:idp';
export const AUDIENCE = 'urn:mpl:patron-records';

export interface TokenSpec {
  sub: string;
  roles: Role[];
  patronId?: string;
  vendorId?: string;
  requesterId?: string;
  scope?: string;
  expiresIn?: string | number;
}

export interface TestIssuer {
  privateKey: CryptoKey;
  verifier: TokenVerifier;
  mint(spec: TokenSpec): Promise<string>;
}

export async function createTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const verifier = await createTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['ES256'],
    publicKey,
  });
  return {
    privateKey,
    verifier,
    mint: (spec) => mintToken(privateKey, { ...spec, issuer: ISSUER, audience: AUDIENCE }),
  };
}

/** The demo library's principals, one of each kind in DESIGN.md's "Who asks" table. */
export const AS = {
  ada: { sub: 'user_ada', roles: ['patron'], patronId: DEMO.patrons.ada },
  ben: { sub: 'user_ben', roles: ['patron'], patronId: DEMO.patrons.ben },
  carmen: { sub: 'user_carmen', roles: ['patron'], patronId: DEMO.patrons.carmen },
  dani: { sub: 'user_dani', roles: ['patron'], patronId: DEMO.patrons.dani },
  circulation: { sub: DEMO.staff.circulation, roles: ['circulation'] },
  reference: { sub: DEMO.staff.reference, roles: ['reference'] },
  volunteer: { sub: DEMO.staff.volunteer, roles: ['volunteer'] },
  director: { sub: DEMO.staff.director, roles: ['director'] },
  deputy: { sub: DEMO.staff.deputy, roles: ['circulation'] },
  formerDeputy: { sub: 'staff_formerdeputy', roles: ['circulation'] },
  police: { sub: 'svc_police', roles: ['requester'], requesterId: DEMO.requesters.police },
  court: { sub: 'svc_court', roles: ['requester'], requesterId: DEMO.requesters.court },
  lawfirm: { sub: 'svc_lawfirm', roles: ['requester'], requesterId: DEMO.requesters.lawfirm },
  vendor: {
    sub: 'svc_ebooks',
    roles: ['vendor'],
    vendorId: DEMO.vendor,
    scope: 'card:verify card:read',
  },
} satisfies Record<string, TokenSpec>;
