// Root-field rules of patron self-service and vendor access (regulations 7, 11, 14). Same habits as
// rules.ts: named rules, no cache, no not(); a denial is FORBIDDEN whether or not the target exists.
import { rule } from 'graphql-shield';
import { ACCESS_PURPOSES } from '../../auth/purpose.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { forbidden, purposeRequired, unauthenticated } from '../../domain/errors.js';
import type { PiiCategory } from '../../domain/vocabulary.js';
import { grant } from '../../domain/decision.js';
import { toRuleResult } from './rules.js';
import { recordAccess } from '../../audit/trail.js';

const NO_CACHE = { cache: 'no_cache' } as const;

/** Every category the data export reads, audited once each per export, in the export's order. */
const EXPORT_CATEGORIES: readonly PiiCategory[] = [
  'IDENTITY',
  'CIRCULATION',
  'FINES',
  'REFERENCE',
  'ONLINE_SERVICES',
  'DISCLOSURE',
];

function patronResult(ctx: GraphQLContext): true | Error {
  if (ctx.principal.kind !== 'user') return unauthenticated();
  return ctx.principal.patronId ? true : forbidden();
}

/** Circulation staff with a stated purpose, or the custodian (as isDeskStaff in rules.ts). */
async function deskStaffResult(ctx: GraphQLContext): Promise<true | Error> {
  if (ctx.principal.roles.has('circulation'))
    return ctx.purpose ? true : purposeRequired(ACCESS_PURPOSES);
  return toRuleResult(await ctx.authz.custodianBasis());
}

/** The caller is a patron acting on their own record (the fields take no patron id). */
export const isPatron = rule(
  'self:patron',
  NO_CACHE,
)((_p, _a, ctx: GraphQLContext) => patronResult(ctx));

/** The patron's own data export; the rule audits the release of every category on basis SELF. */
export const canExportOwnData = rule(
  'self:export',
  NO_CACHE,
)((_p, _a, ctx: GraphQLContext) => {
  const result = patronResult(ctx);
  if (result === true) {
    for (const category of EXPORT_CATEGORIES) {
      recordAccess(
        ctx.audit,
        ctx.principal.patronId,
        'DataExport',
        'myDataExport',
        category,
        'self:export',
        grant('SELF'),
      );
    }
  }
  return result;
});

/** The child grants a guardian's view of their own record; staff may record it at the child's request. */
export const canGrantGuardianView = rule(
  'guardian:grant',
  NO_CACHE,
)(async (_p, args: { input: { childId?: string | null } }, ctx: GraphQLContext) => {
  const self = ctx.principal.patronId;
  if (self && (args.input.childId ?? self) === self) return true;
  return deskStaffResult(ctx);
});

/** The child or the guardian of the grant, or staff; an unknown grant is FORBIDDEN to a patron. */
export const canRevokeGuardianView = rule(
  'guardian:revoke',
  NO_CACHE,
)(async (_p, args: { grantId: string }, ctx: GraphQLContext) => {
  const self = ctx.principal.patronId;
  if (self) {
    const g = await ctx.repos.account.grantById.load(args.grantId);
    if (g && (g.childId === self || g.guardianId === self)) return true;
  }
  return deskStaffResult(ctx);
});

/** The patron for themself (no patronId, or their own), otherwise the Director or an active designee. */
export const isSelfOrCustodian = rule(
  'self-or-custodian',
  NO_CACHE,
)(async (_p, args: { patronId?: string | null }, ctx: GraphQLContext) => {
  const self = ctx.principal.patronId;
  if (self && (args.patronId ?? self) === self) return true;
  if (ctx.principal.kind !== 'user') return unauthenticated();
  return toRuleResult(await ctx.authz.custodianBasis());
});

/**
 * A vendor whose token carries `card:verify` and whose registry entry is active and grants
 * `card:verify` too: the Director withdrawing a scope takes effect before the token expires.
 */
export const canVerifyCards = rule(
  'vendor:card:verify',
  NO_CACHE,
)(async (_p, _a, ctx: GraphQLContext) => {
  const p = ctx.principal;
  if (p.kind !== 'user') return unauthenticated();
  if (!p.vendorId || !p.scopes.has('card:verify')) return forbidden();
  const vendor = await ctx.repos.vendors.byId.load(p.vendorId);
  return vendor?.active && vendor.scopes.includes('card:verify') ? true : forbidden();
});
