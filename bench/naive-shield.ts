// The REFERENCE for the benchmark: graphql-shield the way most projects write it, derived from the
// same SDL classification. One `rule()` per field (default options: random name, no cache), each
// async and re-deciding from the principal and the request's access facts, fallbackRule deny and
// otherwise default options. No memoisation and no audit (so the reference is, if anything,
// flattered). Bench code only: the server never builds this.
import type { GraphQLSchema } from 'graphql';
import { allow, rule, shield, type IRules } from 'graphql-shield';
import { deny } from 'graphql-shield';
import { isStaff } from '../src/auth/principal.js';
import { classifyFields } from '../src/authz/classification.js';
import { ROOT_RULES } from '../src/authz/permissions.js';
import { isFactsType, recordFacts } from '../src/authz/records.js';
import type { DisclosureRequestRow, DisclosureEventRow } from '../src/db/schema/disclosures.sql.js';
import type { GraphQLContext } from '../src/graphql/context.js';

type FieldRule = Exclude<IRules, Record<string, unknown>>;

const DISCLOSURE_TYPES = new Set(['DisclosureRequest', 'DisclosureEvent', 'DisclosureRelease']);

function naiveFieldRule(typeName: string, c: ReturnType<typeof classifyFields> extends Map<string, infer F> ? F : never): FieldRule {
  if (c.kind === 'public') return allow;
  if (c.kind === 'internal') {
    return rule()(async (_p, _a, ctx: GraphQLContext) => ctx.principal.kind === 'user' && isStaff(ctx.principal));
  }
  if (DISCLOSURE_TYPES.has(typeName)) {
    return rule()(async (parent: DisclosureRequestRow | DisclosureEventRow, _a, ctx: GraphQLContext) => {
      const request = 'requestId' in parent ? await ctx.repos.disclosures.byId.load(parent.requestId) : parent;
      if (!request) return false;
      return (await ctx.authz.decideDisclosure(request, await ctx.repos.disclosures.patronIdsOf.load(request.id))).granted;
    });
  }
  const { category } = c;
  return rule()(async (parent: unknown, _a, ctx: GraphQLContext) => {
    if (!isFactsType(typeName)) return false;
    return (await ctx.authz.decide(recordFacts[typeName](parent as never), category, c)).granted;
  });
}

export function applyNaiveShieldRules(schema: GraphQLSchema) {
  const rules: Record<string, Record<string, FieldRule>> = {};
  for (const [key, c] of classifyFields(schema)) {
    const [typeName, fieldName] = key.split('.') as [string, string];
    (rules[typeName] ??= {})[fieldName] = naiveFieldRule(typeName, c);
  }
  // Root fields keep the project's own rules (evaluated once per request: not where the cost is).
  return shield({ ...rules, ...ROOT_RULES } as IRules, { fallbackRule: deny });
}
