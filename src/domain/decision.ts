// The outcome of one access check. Every grant names its basis, and the row it rests on
// (designation, disclosure request, consent, guardian grant or vendor), for the audit log.
import type { DisclosureRequestRow } from '../db/schema/disclosure-requests.sql.js';
import type { AccessBasis } from './vocabulary.js';

export type Grant = {
  readonly granted: true;
  readonly basis: AccessBasis;
  readonly ref: string | null;
};
export type Denial = {
  readonly granted: false;
  readonly reason: 'FORBIDDEN' | 'PURPOSE_REQUIRED' | 'UNAUTHENTICATED';
};
export type Decision = Grant | Denial;

export const grant = (basis: AccessBasis, ref: string | null = null): Grant => ({
  granted: true,
  basis,
  ref,
});
export const FORBIDDEN: Denial = Object.freeze({ granted: false, reason: 'FORBIDDEN' });
export const PURPOSE_REQUIRED: Denial = Object.freeze({
  granted: false,
  reason: 'PURPOSE_REQUIRED',
});
/** No token at all: the caller should authenticate, whatever record it asked for. */
export const UNAUTHENTICATED: Denial = Object.freeze({ granted: false, reason: 'UNAUTHENTICATED' });

/** An approved disclosure request and the patrons it names: a fact the policy grants on. */
export interface Approval {
  request: DisclosureRequestRow;
  patronIds: ReadonlySet<string>;
}
