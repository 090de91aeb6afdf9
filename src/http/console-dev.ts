// Development sign-in for the privacy console: the demo library's principals, and tokens for them
// minted with the development key in DATA_DIR. Never in production: main.ts makes no minter there,
// and the console's routes refuse to mount one when NODE_ENV is production.
import type { Config } from '../config.js';
import { consoleEnabled } from '../config.js';
import { loadOrCreateDevKey } from '../auth/keys.js';
import { mintToken } from '../auth/jwt.js';
import type { Role } from '../auth/principal.js';
import { DEMO } from '../seed/demo.js';

export interface DemoTokenSpec {
  sub: string;
  roles: Role[];
  patronId?: string;
}

export type DevTokenMinter = (spec: DemoTokenSpec) => Promise<string>;

/** Who one can sign in as on the demo library (labels name roles, not people). */
export const DEMO_PRINCIPALS: Record<string, { label: string; spec: DemoTokenSpec }> = {
  director: {
    label: 'Director (custodian of records)',
    spec: { sub: DEMO.staff.director, roles: ['director'] },
  },
  deputy: {
    label: 'Designated alternate, window open',
    spec: { sub: DEMO.staff.deputy, roles: ['circulation'] },
  },
  formerDeputy: {
    label: 'Designated alternate, window closed',
    spec: { sub: 'staff_formerdeputy', roles: ['circulation'] },
  },
  circulation: {
    label: 'Circulation clerk',
    spec: { sub: DEMO.staff.circulation, roles: ['circulation'] },
  },
  reference: {
    label: 'Reference librarian',
    spec: { sub: DEMO.staff.reference, roles: ['reference'] },
  },
  volunteer: { label: 'Volunteer', spec: { sub: DEMO.staff.volunteer, roles: ['volunteer'] } },
  ada: {
    label: 'Patron (demo patron 1)',
    spec: { sub: 'user_ada', roles: ['patron'], patronId: DEMO.patrons.ada },
  },
  ben: {
    label: 'Patron (demo patron 2)',
    spec: { sub: 'user_ben', roles: ['patron'], patronId: DEMO.patrons.ben },
  },
};

/** Development tokens signed with the local key; undefined wherever tokens come from an identity provider. */
export async function devTokenMinter(config: Config): Promise<DevTokenMinter | undefined> {
  if (config.NODE_ENV === 'production' || config.JWT_JWKS_URL || config.JWT_PUBLIC_KEY) return;
  if (!consoleEnabled(config)) return;
  const { privateKey, kid } = await loadOrCreateDevKey(config.DATA_DIR);
  return (spec) =>
    mintToken(privateKey, {
      ...spec,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      expiresIn: '8h',
      kid,
    });
}
