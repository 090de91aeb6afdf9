// Who may act. The root rules refuse first; the services check again against these decisions
// (defence in depth) and only enforce them. An actor on a disclosure request carries its authority
// from the policy (the Director, or an active designation), never from a claim the client could
// choose.
import type { Principal } from '../../auth/principal.js';
import type { AccessPurpose } from '../../auth/purpose.js';
import type { AccessControl } from './access-control.js';
import type {
  DecisionAuthorityValue,
  DisclosureRequestRow,
} from '../../db/schema/disclosure-requests.sql.js';

/** Who may take a transition. */
export type Performer =
  /** The Director, or an alternate inside an unrevoked designation's window (regulation 2). */
  | 'custodian'
  /** Any staff member with a stated purpose. */
  | 'staff'
  /** Staff who may handle identifying information at once: not volunteers (regulations 1 and 3). */
  | 'responder'
  /** The requester named on the request, or any staff member. */
  | 'requester-or-staff'
  /** The passage of time: the access window closed (see DisclosureRequestWorkflow.expireLapsed). */
  | 'clock';

/** Who is acting, as the workflow needs to know it (built from the request's principal by actorOf). */
export interface Actor {
  /** Staff id, or the requester id for a requester, or 'system:clock'. */
  id: string;
  /** Recorded on the event: director, designee, circulation, reference, volunteer, requester, system. */
  role: string;
  /** Set when the actor holds the Director's powers now. */
  authority: Extract<DecisionAuthorityValue, 'DIRECTOR' | 'DESIGNATION'> | null;
  designationId: string | null;
  /** Staff with a stated purpose. */
  staff: boolean;
  /** Staff other than a volunteer, with a stated purpose. */
  responder: boolean;
  requesterId: string | null;
}

export const CLOCK: Actor = Object.freeze({
  id: 'system:clock',
  role: 'system',
  authority: null,
  designationId: null,
  staff: false,
  responder: false,
  requesterId: null,
});

export function mayPerform(
  by: Performer,
  actor: Actor,
  request: DisclosureRequestRow | null,
): boolean {
  switch (by) {
    case 'custodian':
      return actor.authority !== null;
    case 'staff':
      return actor.staff;
    case 'responder':
      return actor.responder;
    case 'requester-or-staff':
      return (
        actor.staff || (actor.requesterId !== null && request?.requesterId === actor.requesterId)
      );
    case 'clock':
      return actor === CLOCK;
  }
}

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

/** The Director's own acts: designating and revoking alternates (regulation 2). */
export const holdsDirectorOffice = (p: Principal): boolean =>
  p.roles.has('director') && p.id !== null;

/** A patron acting on their own record (regulation 11: consents, contact, preferences). */
export const actsOnOwnRecord = (p: Principal, patronId: string): boolean =>
  p.patronId !== null && p.patronId === patronId;

/** A patron changes contact and preferences on their own record; name and status are staff's (regulation 11). */
export const mayChangeNameOrStatus = (p: Principal, patronId: string): boolean =>
  p.patronId !== patronId || p.roles.has('circulation');
