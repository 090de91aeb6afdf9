// The Director's designations of alternates (regulation 2): only the Director designates or
// revokes (a designee cannot pass the powers on); the policy (AccessRepository.activeDesignation)
// gives the alternate the Director's powers only inside the window and while not revoked.
import { holdsDirectorOffice } from '../authz/policy/authority.js';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { DesignationRow } from '../db/schema/disclosure-requests.sql.js';
import { badInput, conflict, forbidden, notFound } from './errors.js';
import type { Repositories, Transact } from '../repositories/repositories.js';
import { newId } from './ids.js';
import * as v from './validation.js';

const DAY = 86_400_000;
const MAX_WINDOW_DAYS = 366;

const staffId = z.string().regex(/^[a-z][a-z0-9_-]{2,99}$/, 'must be a staff id');

const designateInput = z.object({
  alternateId: staffId,
  validFrom: z.date(),
  validTo: z.date(),
  reason: v.text(500),
});

export function isDesignationActive(d: DesignationRow, at: Date): boolean {
  return d.revokedAt === null && d.validFrom <= at && at < d.validTo;
}

export class DesignationService {
  constructor(
    private readonly repos: Repositories,
    private readonly transact: Transact,
    private readonly now: () => Date,
  ) {}

  list(includeInactive: boolean): Promise<DesignationRow[]> {
    return this.repos.designations.list(includeInactive ? null : this.now());
  }

  async designate(director: Principal, input: unknown): Promise<DesignationRow> {
    const d = v.parseInput(designateInput, input);
    if (!holdsDirectorOffice(director) || !director.id) throw forbidden();
    const at = this.now();
    if (d.alternateId === director.id)
      throw badInput(
        'Invalid input at alternateId: the Director cannot designate themself.',
        'alternateId',
      );
    if (d.validTo <= d.validFrom)
      throw badInput('Invalid input at validTo: must be after validFrom.', 'validTo');
    if (d.validTo <= at)
      throw badInput('Invalid input at validTo: must be in the future.', 'validTo');
    if (d.validTo.getTime() - d.validFrom.getTime() > MAX_WINDOW_DAYS * DAY) {
      throw badInput(
        `Invalid input at validTo: a window lasts at most ${MAX_WINDOW_DAYS} days.`,
        'validTo',
      );
    }
    return this.repos.designations.insert({
      id: newId('des'),
      directorId: director.id,
      ...d,
      createdAt: at,
    });
  }

  async revoke(director: Principal, rawId: string): Promise<DesignationRow> {
    const id = v.parseInput(v.id, rawId);
    if (!holdsDirectorOffice(director) || !director.id) throw forbidden();
    return this.transact(async (r) => {
      const row = await r.designations.byId(id);
      if (!row) throw notFound('Designation');
      if (row.revokedAt) throw conflict('The designation is already revoked.');
      const at = this.now();
      if (row.validTo <= at) throw conflict('The designation has already ended.');
      return r.designations.revoke(id, at, director.id!);
    });
  }
}
