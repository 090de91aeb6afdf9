// Root fields (Query, Mutation) under an audit: every refusal at a root field is a DENIED row on
// the request's audit buffer (who, the patron the arguments name, the field, the rule and why),
// written with the request's other rows. The caller's answer is the inner rule's, unchanged, so an
// unknown id and someone else's id still look alike. Id arguments are checked for shape first.
import type { GraphQLField, GraphQLResolveInfo } from 'graphql';
import { getNamedType, getNullableType, isScalarType } from 'graphql';
import { allow, deny, rule, type IRules } from 'graphql-shield';
import type { GraphQLContext } from '../../graphql/context.js';
import { badInput, DomainError, forbidden } from '../../domain/errors.js';
import { isWellFormedId } from '../../domain/ids.js';
import { outcomeRow } from '../../audit/trail.js';

/** One field's rule (graphql-shield does not export its ShieldRule type from the package root). */
type RootRule = Exclude<IRules, Record<string, unknown>>;

/** Why a refusal happened: the typed error's code (shield's own `false` is FORBIDDEN). */
export type RefusalReason = 'FORBIDDEN' | 'PURPOSE_REQUIRED' | 'UNAUTHENTICATED' | 'BAD_USER_INPUT';

// The rules inside are all `no_cache`: the options only matter for shield's cache hashing.
const EVALUATION: Parameters<RootRule['resolve']>[4] = {
  debug: false,
  allowExternalErrors: true,
  fallbackRule: deny,
  fallbackError: () => forbidden(),
  hashFunction: () => '',
};

/** A readable name for the audit log: a rule's own, or its parts joined ("custodian|requester"). */
function nameOf(r: unknown): string {
  const x = r as { name?: unknown; getRules?: () => unknown[] };
  if (typeof x.getRules === 'function') return x.getRules().map(nameOf).join('|');
  return typeof x.name === 'string' ? x.name : 'rule';
}

/** Whether a value holds a NUL character anywhere (in an input object or a list included). */
function holdsNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some(holdsNul);
  if (v && typeof v === 'object') return Object.values(v).some(holdsNul);
  return false;
}

/**
 * The first top-level argument a client sent that can never be valid: an ID whose value cannot be
 * an id (an enormous string), or any text holding a NUL character, which PostgreSQL's text cannot
 * store (it would fail deep inside a query as an internal error).
 */
function malformedArgument(field: GraphQLField<unknown, unknown>, args: Record<string, unknown>) {
  for (const a of field.args) {
    const v = args[a.name];
    if (v === undefined || v === null) continue;
    if (holdsNul(v)) return { name: a.name, why: 'must not hold a NUL character' };
    const type = getNullableType(a.type);
    if (isScalarType(type) && type.name === 'ID' && !isWellFormedId(String(v)))
      return { name: a.name, why: 'must be an id' };
  }
  return null;
}

/** The patron an operation's arguments name: `patronId` (top level or in `input`), or `id` of a Patron field. */
function claimedPatron(
  field: GraphQLField<unknown, unknown>,
  args: Record<string, unknown>,
): string | null {
  const input = args.input as Record<string, unknown> | undefined;
  const claimed =
    args.patronId ??
    input?.patronId ??
    (getNamedType(field.type).name === 'Patron' ? args.id : undefined);
  return typeof claimed === 'string' && isWellFormedId(claimed) ? claimed : null;
}

export function reasonOf(result: unknown): RefusalReason {
  const code =
    result instanceof DomainError
      ? result.code
      : (result as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return code === 'PURPOSE_REQUIRED' || code === 'UNAUTHENTICATED' ? code : 'FORBIDDEN';
}

/**
 * A refusal's row. The subject is recorded only when the named patron exists (a DataLoader lookup,
 * shared with the rule's own if it made one): an id that names nobody creates no pseudonym key and
 * leaves no trace of the caller's text in the log.
 */
export async function recordRefusal(
  ctx: GraphQLContext,
  info: GraphQLResolveInfo,
  ruleName: string,
  reason: RefusalReason,
  claimed: string | null,
): Promise<void> {
  const subject = claimed && (await ctx.repos.patrons.byId.load(claimed)) ? claimed : null;
  outcomeRow(
    ctx.audit,
    subject,
    info.parentType.name,
    null,
    'DENIED',
    null,
    reason,
    ruleName,
  ).addField(info.fieldName);
}

/** `inner`, with its refusals audited and its id arguments checked for shape. */
function auditedRootRule(inner: RootRule): RootRule {
  const name = nameOf(inner);
  // Shield requires one function per rule name: the wrapper is named apart from the rule it wraps.
  return rule(`audited:${name}`, { cache: 'no_cache' })(
    async (
      parent: object,
      args: Record<string, unknown>,
      // Shield's own context (its cache) is on the request context by the time a rule runs.
      ctx: GraphQLContext & Parameters<RootRule['resolve']>[2],
      info: GraphQLResolveInfo,
    ) => {
      const field = info.parentType.getFields()[info.fieldName]!;
      const bad = malformedArgument(field, args);
      if (bad) {
        await recordRefusal(ctx, info, name, 'BAD_USER_INPUT', null);
        return badInput(`Invalid input at ${bad.name}: ${bad.why}.`, bad.name);
      }
      const result = await inner.resolve(parent, args, ctx, info, EVALUATION);
      if (result === true) return true;
      await recordRefusal(ctx, info, name, reasonOf(result), claimedPatron(field, args));
      return result instanceof Error ? result : forbidden();
    },
  );
}

/** Every root rule of a rule map, audited (`allow` stays itself); a rule used twice gets one wrapper. */
export function auditedRootRules<T extends Record<string, Record<string, RootRule>>>(rules: T): T {
  const wrappers = new Map<RootRule, RootRule>();
  const wrap = (r: RootRule) => {
    if (r === allow) return r;
    let w = wrappers.get(r);
    if (!w) wrappers.set(r, (w = auditedRootRule(r)));
    return w;
  };
  const out: Record<string, Record<string, RootRule>> = {};
  for (const [typeName, fields] of Object.entries(rules))
    out[typeName] = Object.fromEntries(Object.entries(fields).map(([f, r]) => [f, wrap(r)]));
  return out as T;
}
