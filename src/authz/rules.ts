// Small named graphql-shield rules. Names appear in the audit log. Every rule uses cache
// 'no_cache' (decisions are memoised by AccessControl, keyed by record, not by rule name) and none
// is wrapped in not(), which would turn a thrown error into an allow.
import { rule } from 'graphql-shield';
import type { GraphQLResolveInfo } from 'graphql';
import { ACCESS_PURPOSES } from '../auth/purpose.js';
import { isStaff } from '../auth/principal.js';
import type { DisclosureRequestRow, DisclosureEventRow } from '../db/schema/disclosures.sql.js';
import type { GraphQLContext } from '../graphql/context.js';
import { forbidden, purposeRequired, unauthenticated } from '../graphql/errors.js';
import type { PiiCategory } from '../graphql/generated/resolvers-types.js';
import type { Decision } from './decision.js';
import { recordFacts } from './records.js';
import type { FieldFlags } from './policy.js';

const NO_CACHE = { cache: 'no_cache' } as const;

export function toRuleResult(d: Decision): true | Error {
  if (d.granted) return true;
  return d.reason === 'PURPOSE_REQUIRED' ? purposeRequired(ACCESS_PURPOSES) : forbidden();
}

/** A field classified @pii(category) on a patron-linked type (Patron, Loan, Fine, Payment, ReferenceConsult). */
export function piiRule(category: PiiCategory, flags: FieldFlags) {
  const name = `pii:${category}${flags.staffVisible ? '' : ':custodian'}${flags.vendorShared ? ':vendor' : ''}`;
  return rule(name, NO_CACHE)(async (parent: unknown, _args, ctx: GraphQLContext, info: GraphQLResolveInfo) => {
    const typeName = info.parentType.name;
    const factsOf = recordFacts[typeName];
    if (!factsOf) return forbidden();
    const record = factsOf(parent as never);
    const decision = await ctx.authz.decide(record, category, flags);
    ctx.audit.record(record.patronId, typeName, info.fieldName, category, name, decision, info.path);
    return toRuleResult(decision);
  });
}

/** A field of a disclosure request or one of its events. */
export const disclosureRule = rule('pii:DISCLOSURE:request', NO_CACHE)(
  async (parent: DisclosureRequestRow | DisclosureEventRow, _args, ctx: GraphQLContext, info: GraphQLResolveInfo) => {
    const repo = ctx.repos.disclosures;
    const request = 'requestId' in parent ? await repo.byId.load(parent.requestId) : parent;
    if (!request) return forbidden();
    const patronIds = await repo.patronIdsOf.load(request.id);
    const decision = await ctx.authz.decideDisclosure(request, patronIds);
    for (const patronId of patronIds.length ? patronIds : [null]) {
      ctx.audit.record(patronId, info.parentType.name, info.fieldName, 'DISCLOSURE', 'pii:DISCLOSURE:request', decision, info.path);
    }
    return toRuleResult(decision);
  },
);

/** Library operations data (designations, vendor registry): staff only. */
export const internalRule = rule('internal:staff', NO_CACHE)((_p, _a, ctx: GraphQLContext) =>
  ctx.principal.kind === 'user' && isStaff(ctx.principal) ? true : forbidden(),
);

export const isAuthenticated = rule('authenticated', NO_CACHE)((_p, _a, ctx: GraphQLContext) =>
  ctx.principal.kind === 'user' ? true : unauthenticated(),
);

/** The Director, or an active designee, with a stated purpose. */
export const isCustodian = rule('custodian', NO_CACHE)(async (_p, _a, ctx: GraphQLContext) =>
  toRuleResult(await ctx.authz.custodianBasis()),
);

/** Circulation staff with a stated purpose, or the custodian. */
export const isDeskStaff = rule('staff:circulation', NO_CACHE)(async (_p, _a, ctx: GraphQLContext) => {
  if (ctx.principal.roles.has('circulation')) return ctx.purpose ? true : purposeRequired(ACCESS_PURPOSES);
  return toRuleResult(await ctx.authz.custodianBasis());
});

/** A reference librarian with a stated purpose, or the custodian. */
export const isReferenceStaff = rule('staff:reference', NO_CACHE)(async (_p, _a, ctx: GraphQLContext) => {
  if (ctx.principal.roles.has('reference')) return ctx.purpose ? true : purposeRequired(ACCESS_PURPOSES);
  return toRuleResult(await ctx.authz.custodianBasis());
});

/** A third-party requester (its own requests only; the field rules narrow what it reads). */
export const isRequester = rule('requester', NO_CACHE)((_p, _a, ctx: GraphQLContext) =>
  ctx.principal.requesterId ? true : forbidden(),
);

/** The patron reading or changing their own record: args.id or args.input.patronId. */
export const isSelf = rule('self', NO_CACHE)((_p, args: { id?: string; patronId?: string }, ctx: GraphQLContext) => {
  const target = args.id ?? args.patronId;
  return ctx.principal.patronId !== null && target === ctx.principal.patronId ? true : forbidden();
});

/**
 * Reaching a patron by id requires some basis towards that patron, so that the answer for an
 * unknown id and for someone else's id is the same FORBIDDEN (no existence oracle).
 */
export const canReachPatron = rule('reach:patron', NO_CACHE)(async (_p, args: { id: string }, ctx: GraphQLContext) =>
  toRuleResult(await ctx.authz.reach(args.id)),
);
