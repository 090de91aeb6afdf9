// Small named graphql-shield rules. Names appear in the audit log. Every rule uses cache
// 'no_cache' (decisions are memoised by AccessControl, keyed by record, not by rule name) and none
// is wrapped in not(), which would turn a thrown error into an allow.
import { rule } from 'graphql-shield';
import type { GraphQLResolveInfo } from 'graphql';
import { ACCESS_PURPOSES } from '../../auth/purpose.js';
import { isStaff } from '../../auth/principal.js';
import type {
  DisclosureRequestRow,
  DisclosureEventRow,
} from '../../db/schema/disclosure-requests.sql.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { forbidden, purposeRequired, unauthenticated } from '../../domain/errors.js';
import type { PiiCategory } from '../../domain/vocabulary.js';
import type { Decision } from '../../domain/decision.js';
import type { AuditRow } from '../../audit/buffer.js';
import { isFactsType, recordFacts, type FactsType } from '../policy/records.js';
import { disclosureFieldDecision, type FieldFlags } from '../policy/access-control.js';
import { addField, decisionRow, outcomeRow, recordAccess } from '../../audit/trail.js';

const NO_CACHE = { cache: 'no_cache' } as const;

export function toRuleResult(d: Decision): true | Error {
  if (d.granted) return true;
  if (d.reason === 'UNAUTHENTICATED') return unauthenticated();
  return d.reason === 'PURPOSE_REQUIRED' ? purposeRequired(ACCESS_PURPOSES) : forbidden();
}

/**
 * One decision per (object, rule) per request. A decision depends only on the record's facts, the
 * category and flags (both fixed by the rule's name) and the request, so the fields of one patron
 * that share a rule share its decision: 5 fields of 100 patrons are 100 decisions, not 500. Keyed
 * by the parent object itself (each request loads its own rows), held only while the request is.
 */
interface Decided {
  /** "Type|rule": the facts of an object depend on the type it is resolved as. */
  key: string;
  /** The object's next decision (another rule): objects have one to three, so a list, not a Map. */
  next: Decided | null;
  patronId: string | null;
  /** Set once decided (at once when the policy answered synchronously). */
  decision: Decision | null;
  /** Set when deciding failed (facts unreadable, a clause's query failed): every field is refused. */
  failure: { err: unknown } | null;
  /** The decision still being made (facts loading, or a clause reading the database). */
  pending: Promise<unknown> | null;
  /** The audit row of this decision (or of its failure), found once. */
  row: AuditRow | null;
}
const decisions = new WeakMap<GraphQLContext, WeakMap<object, Decided>>();

function decidedFor(
  ctx: GraphQLContext,
  parent: object,
  key: string,
  typeName: FactsType,
  category: PiiCategory,
  flags: FieldFlags,
): Decided {
  let byParent = decisions.get(ctx);
  if (!byParent) decisions.set(ctx, (byParent = new WeakMap()));
  const first = byParent.get(parent);
  for (let d: Decided | null = first ?? null; d; d = d.next) if (d.key === key) return d;
  const entry: Decided = {
    key,
    next: first ?? null,
    patronId: null,
    decision: null,
    failure: null,
    pending: null,
    row: null,
  };
  byParent.set(parent, entry);
  try {
    const record = recordFacts[typeName](parent as never);
    entry.patronId = record.patronId;
    const decision = ctx.authz.decide(record, category, flags);
    if (decision instanceof Promise) {
      entry.pending = decision.then(
        (x) => (entry.decision = x),
        (err: unknown) => (entry.failure = { err }),
      );
    } else {
      entry.decision = decision;
    }
  } catch (err) {
    entry.failure = { err };
  }
  return entry;
}

/**
 * A graphql-shield rule that can also answer without a promise: `answerNow` gives the rule's
 * result (true, or the denial's error) when it is already known, and undefined when only the
 * shield's own (asynchronous) evaluation of the rule can tell. sync-answer.ts uses it.
 */
export type SyncAnswerRule = ReturnType<ReturnType<typeof rule>> & {
  answerNow(
    parent: unknown,
    ctx: GraphQLContext,
    info: GraphQLResolveInfo,
  ): true | Error | undefined;
};

/** A field classified @pii(category) on a patron-linked type (Patron, Loan, Fine, Payment, ReferenceConsult). */
export function piiRule(category: PiiCategory, flags: FieldFlags): SyncAnswerRule {
  const name = `pii:${category}${flags.staffVisible ? '' : ':custodian'}${flags.vendorShared ? ':vendor' : ''}`;
  // Every resolution is recorded on the decision's audit row, whichever path answered. A decision
  // that could not be made refuses the field, as the shield refuses for a rule that throws, and is
  // recorded FAILED: an attempt on the record is never lost.
  const answer = (ctx: GraphQLContext, d: Decided, typeName: string, info: GraphQLResolveInfo) => {
    if (d.decision) {
      d.row ??= decisionRow(ctx.audit, d.patronId, typeName, category, name, d.decision);
      addField(ctx.audit, d.row, info.fieldName, d.decision.granted, info.path);
      return toRuleResult(d.decision);
    }
    if (!d.row) {
      d.row = outcomeRow(ctx.audit, d.patronId, typeName, category, 'FAILED', null, null, name);
      ruleFailed(ctx, name, d.failure?.err);
    }
    addField(ctx.audit, d.row, info.fieldName, false);
    return forbidden();
  };
  // The memo key per type this rule guards: the facts of an object depend on the type it is
  // resolved as. Made once per type, not once per field resolution.
  const keys = new Map<string, string>();
  const decided = (
    parent: unknown,
    ctx: GraphQLContext,
    info: GraphQLResolveInfo,
  ): Decided | null => {
    const typeName = info.parentType.name;
    if (!isFactsType(typeName) || typeof parent !== 'object' || parent === null) return null;
    let key = keys.get(typeName);
    if (key === undefined) keys.set(typeName, (key = `${typeName}|${name}`));
    return decidedFor(ctx, parent, key, typeName, category, flags);
  };
  const shieldRule = rule(
    name,
    NO_CACHE,
  )((parent: unknown, _args, ctx: GraphQLContext, info: GraphQLResolveInfo) => {
    const d = decided(parent, ctx, info);
    if (!d) return forbidden();
    if (d.decision || d.failure) return answer(ctx, d, info.parentType.name, info);
    return d.pending!.then(() => answer(ctx, d, info.parentType.name, info));
  });
  return Object.assign(shieldRule, {
    answerNow(
      parent: unknown,
      ctx: GraphQLContext,
      info: GraphQLResolveInfo,
    ): true | Error | undefined {
      const d = decided(parent, ctx, info);
      if (!d) return forbidden();
      return d.decision || d.failure ? answer(ctx, d, info.parentType.name, info) : undefined;
    },
  });
}

/** A rule that could not decide: logged by class and code (a message may quote a value). */
function ruleFailed(ctx: GraphQLContext, ruleName: string, err: unknown): void {
  ctx.logger.error(
    {
      rule: ruleName,
      err: {
        type: (err as Error | null)?.constructor?.name,
        code: (err as { code?: unknown } | null)?.code,
      },
    },
    'access rule failed; field refused and audited as FAILED',
  );
}

/** A field of a disclosure request or one of its events. */
export const disclosureRule = rule(
  'pii:DISCLOSURE:request',
  NO_CACHE,
)(async (
  parent: DisclosureRequestRow | DisclosureEventRow,
  _args,
  ctx: GraphQLContext,
  info: GraphQLResolveInfo,
) => {
  const { parentType, fieldName, path } = info;
  let patronIds: string[] = [];
  let decision: Decision;
  try {
    const repo = ctx.repos.disclosureRequests;
    const request = 'requestId' in parent ? await repo.byId.load(parent.requestId) : parent;
    if (!request) return forbidden();
    patronIds = await repo.patronIdsOf.load(request.id);
    decision = disclosureFieldDecision(
      await ctx.authz.decideDisclosure(request, patronIds),
      parentType.name,
      fieldName,
    );
  } catch (err) {
    // As piiRule: refused, and recorded FAILED for every patron the request names (known so far).
    for (const patronId of patronIds.length ? patronIds : [null]) {
      const row = outcomeRow(
        ctx.audit,
        patronId,
        parentType.name,
        'DISCLOSURE',
        'FAILED',
        null,
        null,
        'pii:DISCLOSURE:request',
      );
      addField(ctx.audit, row, fieldName, false);
    }
    ruleFailed(ctx, 'pii:DISCLOSURE:request', err);
    return forbidden();
  }
  for (const patronId of patronIds.length ? patronIds : [null]) {
    recordAccess(
      ctx.audit,
      patronId,
      parentType.name,
      fieldName,
      'DISCLOSURE',
      'pii:DISCLOSURE:request',
      decision,
      path,
    );
  }
  return toRuleResult(decision);
});

/** Library operations data (designations, vendor registry): staff only. */
export const internalRule = rule(
  'internal:staff',
  NO_CACHE,
)((_p, _a, ctx: GraphQLContext) => {
  if (ctx.principal.kind === 'anonymous') return unauthenticated();
  return ctx.principal.kind === 'user' && isStaff(ctx.principal) ? true : forbidden();
});

/** A third-party requester (its own requests only; the field rules narrow what it reads). */
export const isRequester = rule(
  'requester',
  NO_CACHE,
)((_p, _a, ctx: GraphQLContext) => {
  if (ctx.principal.kind === 'anonymous') return unauthenticated();
  return ctx.principal.requesterId ? true : forbidden();
});

/** The patron acting on their own record: args.id or args.patronId. */
export const isSelf = rule(
  'self',
  NO_CACHE,
)((_p, args: { id?: string; patronId?: string }, ctx: GraphQLContext) => {
  if (ctx.principal.kind === 'anonymous') return unauthenticated();
  const target = args.id ?? args.patronId;
  return ctx.principal.patronId !== null && target === ctx.principal.patronId ? true : forbidden();
});

/** The Director, or an active designee, with a stated purpose. */
export const isCustodian = rule(
  'custodian',
  NO_CACHE,
)(async (_p, _a, ctx: GraphQLContext) => toRuleResult(await ctx.authz.custodianBasis()));

/** Circulation staff with a stated purpose, or the custodian. */
export const isDeskStaff = rule(
  'staff:circulation',
  NO_CACHE,
)(async (_p, _a, ctx: GraphQLContext) => toRuleResult(await ctx.authz.staffAction('circulation')));

/** A reference librarian with a stated purpose, or the custodian. */
export const isReferenceStaff = rule(
  'staff:reference',
  NO_CACHE,
)(async (_p, _a, ctx: GraphQLContext) => toRuleResult(await ctx.authz.staffAction('reference')));

/** The patron changing their own record (args.id), or circulation staff / the custodian. */
export const isSelfOrDeskStaff = rule(
  'self|staff:circulation',
  NO_CACHE,
)(async (_p, args: { id: string }, ctx: GraphQLContext) => {
  if (
    ctx.principal.kind === 'user' &&
    ctx.principal.patronId !== null &&
    args.id === ctx.principal.patronId
  )
    return true;
  return toRuleResult(await ctx.authz.staffAction('circulation'));
});

/**
 * Reaching a patron by id requires some basis towards that patron, so that the answer for an
 * unknown id and for someone else's id is the same FORBIDDEN (no existence oracle).
 */
export const canReachPatron = rule(
  'reach:patron',
  NO_CACHE,
)(async (_p, args: { id: string }, ctx: GraphQLContext) =>
  toRuleResult(await ctx.authz.reach(args.id)),
);

const LOOKUPS = {
  Loan: {
    category: 'CIRCULATION',
    load: (ctx: GraphQLContext, id: string) => ctx.repos.loans.byId.load(id),
  },
  Fine: {
    category: 'FINES',
    load: (ctx: GraphQLContext, id: string) => ctx.repos.fines.byId.load(id),
  },
  ReferenceConsult: {
    category: 'REFERENCE',
    load: (ctx: GraphQLContext, id: string) => ctx.repos.referenceConsults.byId.load(id),
  },
} as const satisfies Partial<Record<FactsType, { category: PiiCategory; load: unknown }>>;

/** May the principal read the record `row` of `typeName` (null: no record has that id) by id? */
export async function lookupDecision(
  ctx: GraphQLContext,
  typeName: keyof typeof LOOKUPS,
  row: unknown,
): Promise<Decision> {
  const record = row ? recordFacts[typeName](row as never) : null;
  return ctx.authz.lookup(record, LOOKUPS[typeName].category);
}

/**
 * A record looked up by id (`loan`, `fine`, `referenceConsult`): the caller must be able to read
 * it, and an unknown id answers exactly like someone else's record. The row is loaded through the
 * request's DataLoader, so the resolver reuses it.
 */
export function canLookUp(typeName: keyof typeof LOOKUPS) {
  return rule(
    `lookup:${typeName}`,
    NO_CACHE,
  )(async (_p, args: { id: string }, ctx: GraphQLContext) =>
    toRuleResult(await lookupDecision(ctx, typeName, await LOOKUPS[typeName].load(ctx, args.id))),
  );
}

/** May the principal read this disclosure request (null: no request has that id) by id? */
export async function disclosureLookupDecision(
  ctx: GraphQLContext,
  request: DisclosureRequestRow | null,
): Promise<Decision> {
  const patronIds = request ? await ctx.repos.disclosureRequests.patronIdsOf.load(request.id) : [];
  return ctx.authz.lookupDisclosure(request, patronIds);
}

/** A disclosure request looked up by id: the custodian, its requester, the staff who took it in, the patrons it names. */
export const canLookUpDisclosure = rule(
  'lookup:DisclosureRequest',
  NO_CACHE,
)(async (_p, args: { id: string }, ctx: GraphQLContext) => {
  const request = await ctx.repos.disclosureRequests.byId.load(args.id);
  return toRuleResult(await disclosureLookupDecision(ctx, request));
});
