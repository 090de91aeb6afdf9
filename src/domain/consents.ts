// A patron's consent to disclose chosen categories of their record to a named third party
// (regulation 6). The policy grants the requester basis CONSENT while it is neither expired nor
// revoked. Only the patron themself gives or revokes one.
import { actsOnOwnRecord } from '../authz/policy/authority.js';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { ConsentRow } from '../db/schema/patrons.sql.js';
import { badInput, conflict, forbidden } from './errors.js';
import type { Repositories, Transact } from '../repositories/repositories.js';
import { newId } from './ids.js';
import * as v from './validation.js';
import type { PiiCategory } from './vocabulary.js';

// DISCLOSURE is left out: a consent cannot pass on other third parties' requests about the patron.
const CONSENTABLE = [
  'IDENTITY',
  'CIRCULATION',
  'FINES',
  'ONLINE_SERVICES',
  'REFERENCE',
] as const satisfies readonly PiiCategory[];

const grantInput = z.object({
  requesterId: z.string().regex(/^[a-z][a-z0-9_-]{2,99}$/, 'must be a requester id'),
  categories: z
    .array(z.enum(CONSENTABLE))
    .min(1, 'must not be empty')
    .refine((a) => new Set(a).size === a.length, 'must not repeat an entry'),
  expiresAt: z.date().nullable().optional(),
});

export class ConsentService {
  constructor(
    private readonly repos: Repositories,
    private readonly transact: Transact,
    private readonly now: () => Date,
  ) {}

  ofPatron(patronId: string): Promise<ConsentRow[]> {
    return this.repos.consents.ofPatron.load(patronId);
  }

  async grant(patron: Principal, patronId: string, input: unknown): Promise<ConsentRow> {
    const d = v.parseInput(grantInput, input);
    if (!actsOnOwnRecord(patron, patronId)) throw forbidden();
    const at = this.now();
    if (d.expiresAt && d.expiresAt <= at)
      throw badInput('Invalid input at expiresAt: must be in the future.', 'expiresAt');
    const row = await this.repos.consents.insert({
      id: newId('con'),
      patronId,
      requesterId: d.requesterId,
      categories: d.categories,
      grantedAt: at,
      expiresAt: d.expiresAt ?? null,
    });
    this.repos.consents.ofPatron.clear(patronId);
    return row;
  }

  async revoke(patron: Principal, patronId: string, consentId: string): Promise<ConsentRow> {
    const id = v.parseInput(v.id, consentId);
    if (!actsOnOwnRecord(patron, patronId)) throw forbidden();
    const row = await this.transact(async (r) => {
      const consent = await r.consents.lock(id);
      // Someone else's consent and an unknown id get the same answer.
      if (!consent || consent.patronId !== patronId) throw forbidden();
      if (consent.revokedAt) throw conflict('The consent is already revoked.');
      return r.consents.revoke(id, this.now());
    });
    this.repos.consents.ofPatron.clear(patronId);
    return row;
  }
}
