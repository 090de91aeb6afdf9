// Root rules of the disclosure workflow, designations and consents (MNG-1 regulations 1-3, 6).
// The workflow checks the same again against its transition table (src/domain/disclosure-requests/transitions.ts);
// these rules answer first so that a caller without standing learns nothing from the service.
import { rule } from 'graphql-shield';
import { ACCESS_PURPOSES } from '../../auth/purpose.js';
import { isStaff } from '../../auth/principal.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { forbidden, purposeRequired } from '../../domain/errors.js';

const NO_CACHE = { cache: 'no_cache' } as const;

/** Any staff member (volunteers included: taking a request in reveals nothing), with a stated purpose. */
export const isStaffMember = rule(
  'staff:any',
  NO_CACHE,
)((_p, _a, ctx: GraphQLContext) => {
  if (ctx.principal.kind !== 'user' || !isStaff(ctx.principal)) return forbidden();
  return ctx.purpose ? true : purposeRequired(ACCESS_PURPOSES);
});

/**
 * Regulation 1: staff who may identify someone at once to protect people, stating the purpose
 * SAFETY_EMERGENCY. Volunteers see no personal information (regulation 3), so they release none.
 */
export const isEmergencyResponder = rule(
  'staff:emergency',
  NO_CACHE,
)(async (_p, _a, ctx: GraphQLContext) => {
  const p = ctx.principal;
  if (p.kind !== 'user') return forbidden();
  const frontline =
    p.roles.has('circulation') || p.roles.has('reference') || p.roles.has('director');
  if (!frontline) return forbidden();
  return ctx.purpose === 'SAFETY_EMERGENCY' ? true : purposeRequired(['SAFETY_EMERGENCY']);
});

/** The Director in person: designations cannot be made or revoked by a designee. */
export const isDirector = rule(
  'director',
  NO_CACHE,
)((_p, _a, ctx: GraphQLContext) => {
  if (ctx.principal.kind !== 'user' || !ctx.principal.roles.has('director')) return forbidden();
  return ctx.purpose ? true : purposeRequired(ACCESS_PURPOSES);
});

/** A requester asking about its own requests (args.requesterId). */
export const isThatRequester = rule(
  'requester:own',
  NO_CACHE,
)((_p, args: { requesterId?: string }, ctx: GraphQLContext) =>
  ctx.principal.requesterId !== null && ctx.principal.requesterId === args.requesterId
    ? true
    : forbidden(),
);
