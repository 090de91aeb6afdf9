// npm run token -- --role director --sub staff_director
// Mints a development token signed with the local key in DATA_DIR (embedded default only).
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config.js';
import { loadOrCreateDevKey } from '../auth/keys.js';
import { mintToken } from '../auth/jwt.js';
import { ROLES, type Role } from '../auth/principal.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string', multiple: true },
    sub: { type: 'string' },
    'patron-id': { type: 'string' },
    'vendor-id': { type: 'string' },
    'requester-id': { type: 'string' },
    scope: { type: 'string' },
    ttl: { type: 'string', default: '8h' },
  },
});

const config = loadConfigOrExit();
if (config.NODE_ENV === 'production' || config.JWT_JWKS_URL || config.JWT_PUBLIC_KEY) {
  process.stderr.write(
    'npm run token mints development tokens only; production tokens come from the identity provider.\n',
  );
  process.exit(1);
}
const roles = (values.role ?? []) as Role[];
if (!roles.length || roles.some((r) => !ROLES.includes(r)) || !values.sub) {
  process.stderr.write(
    `usage: npm run token -- --role <${ROLES.join('|')}> [--role ...] --sub <id> [--patron-id ID] [--vendor-id ID --scope "card:verify card:read"] [--requester-id ID] [--ttl 8h]\n`,
  );
  process.exit(2);
}
const { privateKey, kid } = await loadOrCreateDevKey(config.DATA_DIR);
const token = await mintToken(privateKey, {
  sub: values.sub,
  roles,
  patronId: values['patron-id'],
  vendorId: values['vendor-id'],
  requesterId: values['requester-id'],
  scope: values.scope,
  issuer: config.JWT_ISSUER,
  audience: config.JWT_AUDIENCE,
  expiresIn: values.ttl,
  kid,
});
process.stdout.write(`${token}\n`);
