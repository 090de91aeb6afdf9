// The disclosure-request lifecycle (MNG-1 regulations 1-4 and 6) as one transition table, read top
// to bottom: what may happen to a request, from which status, by whom, under which condition.
// Everything else is refused with INVALID_TRANSITION (or FORBIDDEN for the wrong actor) and
// changes nothing. The service that applies it is src/domain/disclosure-requests/workflow.ts.
import type {
  DisclosureAction,
  DisclosureRequestRow,
  DisclosureStatusValue,
} from '../../db/schema/disclosure-requests.sql.js';
import { mayPerform, type Actor, type Performer } from '../../authz/policy/authority.js';
import {
  forbidden,
  invalidTransition,
  writtenInstrumentRequired,
  type DomainError,
} from '../errors.js';

export interface Transition {
  action: DisclosureAction;
  /** null: the request does not exist yet. */
  from: DisclosureStatusValue | null;
  /** 'unchanged': an act on the request that does not move its status (ratification). */
  to: DisclosureStatusValue | 'unchanged';
  by: Performer;
  /** A condition on the request; returns the typed error that refuses it. */
  unless?: (r: DisclosureRequestRow) => DomainError | null;
}

const needsWrittenInstrument = (r: DisclosureRequestRow) =>
  r.instrument !== 'EMERGENCY' && (!r.instrumentReference || !r.issuingAuthority)
    ? writtenInstrumentRequired()
    : null;

// Library procedure: a search warrant is executable at once for the records it names; every other
// instrument (a subpoena above all) is reviewed by the Director, with counsel, first.
const onlySearchWarrant = (r: DisclosureRequestRow) =>
  needsWrittenInstrument(r) ??
  (r.instrument === 'SEARCH_WARRANT'
    ? null
    : invalidTransition(
        'APPROVE',
        r.status,
        'only a search warrant may be approved without review',
      ));

const onlyUnreviewedEmergency = (action: DisclosureAction) => (r: DisclosureRequestRow) =>
  r.instrument === 'EMERGENCY' && r.ratifiedAt === null && r.repudiatedAt === null
    ? null
    : invalidTransition(
        action,
        r.status,
        'only an emergency disclosure not yet ratified or repudiated',
      );

export const TRANSITIONS: readonly Transition[] = [
  { action: 'RECEIVE', from: null, to: 'RECEIVED', by: 'staff' },
  { action: 'RELEASE_EMERGENCY', from: null, to: 'APPROVED', by: 'responder' },
  { action: 'BEGIN_REVIEW', from: 'RECEIVED', to: 'UNDER_REVIEW', by: 'custodian' },
  {
    action: 'APPROVE',
    from: 'UNDER_REVIEW',
    to: 'APPROVED',
    by: 'custodian',
    unless: needsWrittenInstrument,
  },
  {
    action: 'APPROVE',
    from: 'RECEIVED',
    to: 'APPROVED',
    by: 'custodian',
    unless: onlySearchWarrant,
  },
  { action: 'DENY', from: 'RECEIVED', to: 'DENIED', by: 'custodian' },
  { action: 'DENY', from: 'UNDER_REVIEW', to: 'DENIED', by: 'custodian' },
  { action: 'FULFILL', from: 'APPROVED', to: 'FULFILLED', by: 'custodian' },
  { action: 'EXPIRE', from: 'APPROVED', to: 'EXPIRED', by: 'clock' },
  { action: 'WITHDRAW', from: 'RECEIVED', to: 'WITHDRAWN', by: 'requester-or-staff' },
  { action: 'WITHDRAW', from: 'UNDER_REVIEW', to: 'WITHDRAWN', by: 'requester-or-staff' },
  { action: 'WITHDRAW', from: 'APPROVED', to: 'WITHDRAWN', by: 'requester-or-staff' },
  {
    action: 'RATIFY',
    from: 'APPROVED',
    to: 'unchanged',
    by: 'custodian',
    unless: onlyUnreviewedEmergency('RATIFY'),
  },
  {
    action: 'RATIFY',
    from: 'FULFILLED',
    to: 'unchanged',
    by: 'custodian',
    unless: onlyUnreviewedEmergency('RATIFY'),
  },
  {
    action: 'RATIFY',
    from: 'EXPIRED',
    to: 'unchanged',
    by: 'custodian',
    unless: onlyUnreviewedEmergency('RATIFY'),
  },
  {
    action: 'RATIFY',
    from: 'WITHDRAWN',
    to: 'unchanged',
    by: 'custodian',
    unless: onlyUnreviewedEmergency('RATIFY'),
  },
  // Repudiation ends access at once; a release already complete stays on record as it happened.
  {
    action: 'REPUDIATE',
    from: 'APPROVED',
    to: 'DENIED',
    by: 'custodian',
    unless: onlyUnreviewedEmergency('REPUDIATE'),
  },
  {
    action: 'REPUDIATE',
    from: 'FULFILLED',
    to: 'unchanged',
    by: 'custodian',
    unless: onlyUnreviewedEmergency('REPUDIATE'),
  },
  {
    action: 'REPUDIATE',
    from: 'EXPIRED',
    to: 'unchanged',
    by: 'custodian',
    unless: onlyUnreviewedEmergency('REPUDIATE'),
  },
  {
    action: 'REPUDIATE',
    from: 'WITHDRAWN',
    to: 'unchanged',
    by: 'custodian',
    unless: onlyUnreviewedEmergency('REPUDIATE'),
  },
];

/** Statuses no transition leaves (other than ratification of an emergency). */
export const CLOSED_STATUSES: ReadonlySet<DisclosureStatusValue> = new Set([
  'DENIED',
  'FULFILLED',
  'EXPIRED',
  'WITHDRAWN',
]);

/**
 * The transition `action` from the request's status, or the typed error refusing it: FORBIDDEN
 * when this actor may take no such transition (checked first, so that the status is not revealed
 * to them), INVALID_TRANSITION when the status does not allow it, or the transition's condition.
 */
export function transitionFor(
  action: DisclosureAction,
  request: DisclosureRequestRow | null,
  actor: Actor,
): Transition {
  const candidates = TRANSITIONS.filter((x) => x.action === action);
  if (!candidates.some((x) => mayPerform(x.by, actor, request))) throw forbidden();
  const from = request?.status ?? null;
  const t = candidates.find((x) => x.from === from);
  if (!t) throw invalidTransition(action, from);
  const refusal = request && t.unless ? t.unless(request) : null;
  if (refusal) throw refusal;
  return t;
}

/** The status a transition leads to from `from`. */
export const nextStatus = (t: Transition, from: DisclosureStatusValue): DisclosureStatusValue =>
  t.to === 'unchanged' ? from : t.to;

/** The Director's work list. */
export interface DirectorQueue {
  pendingReview: DisclosureRequestRow[];
  nearingExpiry: DisclosureRequestRow[];
  unratifiedEmergencies: DisclosureRequestRow[];
}

/** Windows and deadlines from the configuration (src/config.ts). */
export interface DisclosureSettings {
  emergencyAccessHours: number;
  emergencyRatificationHours: number;
  expiryWarningDays: number;
  maxAccessDays: number;
}

export const DEFAULT_DISCLOSURE_SETTINGS: DisclosureSettings = Object.freeze({
  emergencyAccessHours: 24,
  emergencyRatificationHours: 72,
  expiryWarningDays: 7,
  maxAccessDays: 90,
});
