// The rule tree as graphql-shield 7.6.5 reads it (its generator.js and utils.js), written out: one
// rule for every field of every object type. The shield and the fast path (pass-through.ts,
// sync-answer.ts) are both given this explicit tree, so they cannot read a field's rule
// differently: there is nothing left to read but `tree[type][field]`.
import {
  isIntrospectionType,
  isObjectType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { allow, rule, type IRules } from 'graphql-shield';

/** One field's rule (graphql-shield does not export its ShieldRule type from the package root). */
export type FieldRule = Exclude<IRules, Record<string, unknown>>;
export type ExplicitRules = Record<string, Record<string, FieldRule>>;

// The package exports neither Rule nor LogicRule; its own constructors reach them.
const Rule = (rule('explicit-rules:probe')(() => false) as object).constructor;
const LogicRule = Object.getPrototypeOf(allow.constructor) as abstract new (
  ...args: never[]
) => object;
const LOGIC_RULE_NAMES = new Set([
  'RuleOr',
  'RuleAnd',
  'RuleChain',
  'RuleRace',
  'RuleNot',
  'RuleTrue',
  'RuleFalse',
]);

const constructorName = (x: unknown): string | undefined =>
  (x as { constructor?: { name?: string } } | null | undefined)?.constructor?.name;

// utils.js isRule / isLogicRule / isRuleFunction / isRuleFieldMap, clause for clause.
const isRule = (x: unknown): boolean => x instanceof Rule || constructorName(x) === 'Rule';
const isLogicRule = (x: unknown): boolean =>
  x instanceof LogicRule || LOGIC_RULE_NAMES.has(constructorName(x) ?? '');
const isRuleFunction = (x: unknown): x is FieldRule => isRule(x) || isLogicRule(x);
const isRuleFieldMap = (x: unknown): x is Record<string, FieldRule> =>
  typeof x === 'object' && Object.values(x as object).every(isRuleFunction);

/**
 * Every field's rule, as the shield's generator assigns it: a rule for a whole type applies to
 * each of its fields; in a field map, a field's own entry, else the type's `'*'` entry, else the
 * fallback; a type map with any entry that is not a rule, or no entry at all, gets the fallback
 * for every field. Rules naming types or fields the schema lacks are refused, as the shield does.
 */
export function explicitRules(
  schema: GraphQLSchema,
  tree: IRules,
  fallbackRule: FieldRule,
): ExplicitRules {
  const typeMap = schema.getTypeMap();
  const objectTypes = Object.values(typeMap).filter(
    (t): t is GraphQLObjectType => !isIntrospectionType(t) && isObjectType(t),
  );
  if (isRuleFunction(tree)) {
    return Object.fromEntries(
      objectTypes.map((t) => [
        t.name,
        Object.fromEntries(Object.keys(t.getFields()).map((f) => [f, tree])),
      ]),
    );
  }
  const typeMapTree = tree as Record<string, unknown>;
  const unknownTypes = Object.keys(typeMapTree).filter((t) => !Object.hasOwn(typeMap, t));
  if (unknownTypes.length) {
    throw new Error(
      `It seems like you have applied rules to ${unknownTypes.join(', ')} types but Shield cannot find them in your schema.`,
    );
  }
  const out: ExplicitRules = {};
  for (const type of objectTypes) {
    const rules = typeMapTree[type.name];
    const fields = type.getFields();
    const own: Record<string, FieldRule> = (out[type.name] = {});
    if (isRuleFunction(rules)) {
      for (const f of Object.keys(fields)) own[f] = rules;
    } else if (isRuleFieldMap(rules)) {
      const { '*': wildcard, ...named } = rules;
      const unknownFields = Object.keys(named).filter((f) => !Object.hasOwn(fields, f));
      if (unknownFields.length) {
        throw new Error(
          `It seems like you have applied rules to ${unknownFields.map((f) => `${type.name}.${f}`).join(', ')} fields but Shield cannot find them in your schema.`,
        );
      }
      // generator.js: withDefault(defaultTypeRule || fallbackRule)(rules[field]).
      for (const f of Object.keys(fields)) {
        const r: unknown = rules[f] ?? wildcard ?? fallbackRule;
        // A field named like an Object.prototype member would read that member as its rule.
        if (!isRuleFunction(r)) throw new Error(`${type.name}.${f} has no rule of its own`);
        own[f] = r;
      }
    } else {
      for (const f of Object.keys(fields)) own[f] = fallbackRule;
    }
  }
  return out;
}
