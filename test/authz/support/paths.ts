// Field paths generated FROM THE SCHEMA: every field of every object type reachable from an entry
// point, through every relation, down to a depth, rendered as plain selections or with field
// aliases and named / inline fragments. The response is then walked along the same plan.
import {
  getNamedType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';

/** Types that hold a patron's records: a hop into one of them counts towards the depth. */
export const RECORD_TYPES = new Set([
  'Patron',
  'Loan',
  'Fine',
  'Payment',
  'ReferenceConsult',
  'DisclosureRequest',
  'DisclosureEvent',
  'DisclosureRelease',
  'GuardianGrant',
  'Consent',
  'VendorEnrolment',
  'Designation',
]);

export interface PlanField {
  /** The parent type and the field, e.g. Loan.patron. */
  type: string;
  name: string;
  list: boolean;
  child: PlanSelection | null;
}

export interface PlanSelection {
  type: string;
  fields: PlanField[];
}

function isList(t: GraphQLOutputType): boolean {
  return isListType(isNonNullType(t) ? t.ofType : t);
}

/** Every field of `typeName`, and of every object type reached from it, until `maxDepth` record hops. */
export function plan(
  schema: GraphQLSchema,
  typeName: string,
  maxDepth: number,
  depth = 0,
): PlanSelection {
  const type = schema.getType(typeName) as GraphQLObjectType;
  const fields: PlanField[] = [];
  for (const f of Object.values(type.getFields())) {
    const named = getNamedType(f.type);
    if (isLeafType(named)) {
      fields.push({ type: typeName, name: f.name, list: isList(f.type), child: null });
    } else if (isObjectType(named)) {
      // A connection only makes sense with its nodes, one record hop further down.
      const next =
        RECORD_TYPES.has(named.name) || named.name.endsWith('Connection') ? depth + 1 : depth;
      if (next > maxDepth) continue;
      const childDepth = RECORD_TYPES.has(named.name) ? next : depth;
      fields.push({
        type: typeName,
        name: f.name,
        list: isList(f.type),
        child: plan(schema, named.name, maxDepth, childDepth),
      });
    }
  }
  // `id` first: the walker identifies each record by it.
  fields.sort((a, b) => Number(b.name === 'id') - Number(a.name === 'id'));
  return { type: typeName, fields };
}

export interface RenderStyle {
  /** Alias every field as `a_<Type>_<name>`. */
  alias: boolean;
  /** Leaves in a named fragment per type, relations in an inline fragment. */
  fragments: boolean;
}

/** The response key of a field; aliases carry the type, since `_entities` selects several types side by side. */
export const keyOf = (f: PlanField, style: RenderStyle) =>
  style.alias ? `a_${f.type}_${f.name}` : f.name;

/** The plan field `name` of a selection. */
export const fieldOf = (s: PlanSelection, name: string): PlanField =>
  s.fields.find((f) => f.name === name)!;

export class Renderer {
  readonly fragments = new Map<string, string>();
  constructor(readonly style: RenderStyle) {}

  selection(s: PlanSelection): string {
    const leaf = (f: PlanField) =>
      this.style.alias ? `${keyOf(f, this.style)}: ${f.name}` : f.name;
    const rel = (f: PlanField) => `${leaf(f)} ${this.selection(f.child!)}`;
    const leaves = s.fields.filter((f) => !f.child).map(leaf);
    const relations = s.fields.filter((f) => f.child).map(rel);
    if (!this.style.fragments) return `{ ${[...leaves, ...relations].join(' ')} }`;
    const name = `${s.type}Leaves`;
    if (leaves.length)
      this.fragments.set(name, `fragment ${name} on ${s.type} { ${leaves.join(' ')} }`);
    return `{ ${leaves.length ? `...${name}` : ''} ${relations.length ? `... on ${s.type} { ${relations.join(' ')} }` : ''} }`;
  }

  document(operation: string): string {
    return `${operation}\n${[...this.fragments.values()].join('\n')}`;
  }
}
