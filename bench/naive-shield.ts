// The REFERENCES for the benchmark: graphql-shield the way most projects write it, derived from the
// same SDL classification. One async rule per (type, classification), shared by the fields that
// have it, each re-deciding from the principal and the request's access facts; fallbackRule deny,
// otherwise default options; no memoisation of our own and no audit (so the references are, if
// anything, flattered). Two cache settings, the rule tree otherwise identical:
//   no_cache  rule()'s default: every field of every object runs its rule.
//   strict    graphql-shield's documented guidance: { cache: 'strict' } for rules that read `parent`
//             (keyed by a hash of parent and args: one run per object per rule), { cache: 'contextual' }
//             for rules that read only the context (one run per request per rule).
// Bench code only: the server never builds either.
import type { GraphQLSchema } from 'graphql';
import { allow, deny, rule, shield, type IRules } from 'graphql-shield';
import { isStaff } from '../src/auth/principal.js';
import { classifyFields, type FieldClass } from '../src/authz/policy/classification.js';
import { ROOT_RULES } from '../src/authz/shield/permissions.js';
import { isFactsType, recordFacts } from '../src/authz/policy/records.js';
import type {
  DisclosureRequestRow,
  DisclosureEventRow,
} from '../src/db/schema/disclosure-requests.sql.js';
import type { GraphQLContext } from '../src/graphql/context.js';

type FieldRule = Exclude<IRules, Record<string, unknown>>;
export type NaiveCache = 'no_cache' | 'strict';

const DISCLOSURE_TYPES = new Set(['DisclosureRequest', 'DisclosureEvent', 'DisclosureRelease']);

/** The shield options of a rule: what it reads decides its cache under the documented guidance. */
function cacheOf(mode: NaiveCache, reads: 'parent' | 'context') {
  if (mode === 'no_cache') return { cache: 'no_cache' } as const;
  return { cache: reads === 'parent' ? 'strict' : 'contextual' } as const;
}

/** One rule per key: fields whose rules would decide alike share one rule object, and its name. */
function ruleKey(typeName: string, c: FieldClass): string {
  if (c.kind !== 'pii') return `naive:${c.kind}`;
  if (DISCLOSURE_TYPES.has(typeName)) return 'naive:disclosure';
  // The type is part of the key: the rule reads the facts of the type it is declared on.
  return `naive:pii:${typeName}:${c.category}:${c.staffVisible}:${c.vendorShared}`;
}

function naiveRule(mode: NaiveCache, name: string, typeName: string, c: FieldClass): FieldRule {
  if (c.kind === 'public') return allow;
  if (c.kind === 'internal') {
    return rule(
      name,
      cacheOf(mode, 'context'),
    )(
      async (_p, _a, ctx: GraphQLContext) =>
        ctx.principal.kind === 'user' && isStaff(ctx.principal),
    );
  }
  if (DISCLOSURE_TYPES.has(typeName)) {
    return rule(
      name,
      cacheOf(mode, 'parent'),
    )(async (parent: DisclosureRequestRow | DisclosureEventRow, _a, ctx: GraphQLContext) => {
      const request =
        'requestId' in parent
          ? await ctx.repos.disclosureRequests.byId.load(parent.requestId)
          : parent;
      if (!request) return false;
      return (
        await ctx.authz.decideDisclosure(
          request,
          await ctx.repos.disclosureRequests.patronIdsOf.load(request.id),
        )
      ).granted;
    });
  }
  const { category } = c;
  return rule(
    name,
    cacheOf(mode, 'parent'),
  )(async (parent: unknown, _a, ctx: GraphQLContext) => {
    if (!isFactsType(typeName)) return false;
    return (await ctx.authz.decide(recordFacts[typeName](parent as never), category, c)).granted;
  });
}

/** The shield of one reference, the rule tree derived the same way whatever the cache setting. */
export function naiveShield(schema: GraphQLSchema, mode: NaiveCache) {
  const shared = new Map<string, FieldRule>();
  const rules: Record<string, Record<string, FieldRule>> = {};
  for (const [key, c] of classifyFields(schema)) {
    const [typeName, fieldName] = key.split('.') as [string, string];
    const name = ruleKey(typeName, c);
    const r = shared.get(name) ?? naiveRule(mode, name, typeName, c);
    shared.set(name, r);
    (rules[typeName] ??= {})[fieldName] = r;
  }
  // Root fields keep the project's own rules (evaluated once per request: not where the cost is).
  return shield({ ...rules, ...ROOT_RULES } as IRules, { fallbackRule: deny });
}
