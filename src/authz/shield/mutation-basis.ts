// The subject and basis of a mutation the rule tree allowed, for its audit row (the row commits in
// the mutation's own transaction: src/audit/mutation.ts). The root rule made the decision; this
// names what it rested on, in the same order the rules check it.
import { isStaff, type Principal } from '../../auth/principal.js';
import { grant, type Grant } from '../../domain/decision.js';
import type { AccessControl } from '../policy/access-control.js';

type Args = Record<string, unknown>;

/** Mutations whose `id` argument is a patron's id (the others' `id` names another record). */
const PATRON_ID_ARGUMENT = new Set(['updatePatron']);

/** The patron whose record a mutation acts on, when its arguments (or the caller) say so. */
export function mutationSubject(fieldName: string, args: Args, p: Principal): string | null {
  const input = (args.input ?? {}) as Args;
  const named = [
    args.patronId,
    input.patronId,
    input.childId,
    PATRON_ID_ARGUMENT.has(fieldName) ? args.id : undefined,
  ].find((v): v is string => typeof v === 'string');
  if (named) return named;
  // Self-service mutations take no patron id: the patron is the caller.
  return p.patronId && !isStaff(p) ? p.patronId : null;
}

export async function mutationBasis(authz: AccessControl, subject: string | null): Promise<Grant> {
  const p = authz.principal;
  if (p.patronId && subject === p.patronId) return grant('SELF');
  if (p.vendorId) return grant('VENDOR_SCOPE', p.vendorId);
  const custodian = await authz.custodianBasis();
  if (custodian.granted) return custodian;
  if (p.requesterId) return grant('DISCLOSURE');
  return grant('STAFF_PURPOSE');
}
