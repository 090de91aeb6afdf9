// Who is acting on a disclosure request, as the workflow records it: the authority comes from the
// policy (the Director, or an active designation), never from a claim the client could choose.
import type { Principal } from '../auth/principal.js';
import type { AccessPurpose } from '../auth/purpose.js';
import type { AccessControl } from '../authz/policy/access-control.js';
import type { Actor } from './disclosure-requests/transitions.js';

const STAFF_ROLE_ORDER = ['director', 'circulation', 'reference', 'volunteer'] as const;

export async function actorOf(
  principal: Principal,
  purpose: AccessPurpose | null,
  authz: AccessControl,
): Promise<Actor> {
  const custodian = principal.kind === 'user' ? await authz.custodianBasis() : null;
  const authority = custodian?.granted
    ? custodian.basis === 'DIRECTOR'
      ? 'DIRECTOR'
      : 'DESIGNATION'
    : null;
  const staffRole = STAFF_ROLE_ORDER.find((r) => principal.roles.has(r)) ?? null;
  const staff =
    principal.kind === 'user' && principal.id !== null && staffRole !== null && purpose !== null;
  const requesterId = principal.requesterId;
  return {
    id: (requesterId && !staff ? requesterId : principal.id) ?? 'unknown',
    role:
      authority === 'DESIGNATION'
        ? 'designee'
        : (staffRole ?? (requesterId ? 'requester' : 'other')),
    authority,
    designationId: authority === 'DESIGNATION' && custodian?.granted ? custodian.ref : null,
    staff,
    // Volunteers see no personal information (regulation 3), so they cannot release any either.
    responder: staff && (staffRole !== 'volunteer' || authority !== null),
    requesterId,
  };
}
