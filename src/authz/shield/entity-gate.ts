// Entities the router fetches (`_entities`) answer like the root lookup of their type: a
// representation the principal has no basis for is refused at the entity with the same error,
// whether a record has that id or not (no existence oracle), and the refusal is audited as a root
// field's is. Only a principal who may know of the record (the custodian, staff with a purpose)
// hears null for an id that names nothing.
import type { GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import { isObjectType } from 'graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import type { DisclosureRequestRow } from '../../db/schema/disclosure-requests.sql.js';
import type { Decision } from '../../domain/decision.js';
import { disclosureLookupDecision, lookupDecision, toRuleResult } from './rules.js';
import { reasonOf, recordRefusal } from './root-rules.js';

type Reference = { id?: unknown };
type ResolveReference = (ref: Reference, ctx: GraphQLContext, info: GraphQLResolveInfo) => unknown;

/** The decision for one representation, from the row the type's own resolver found (or null). */
const GATES: Record<
  string,
  (ctx: GraphQLContext, id: string, row: unknown) => Decision | Promise<Decision>
> = {
  Patron: (ctx, id) => ctx.authz.reach(id),
  Loan: (ctx, _id, row) => lookupDecision(ctx, 'Loan', row),
  Fine: (ctx, _id, row) => lookupDecision(ctx, 'Fine', row),
  ReferenceConsult: (ctx, _id, row) => lookupDecision(ctx, 'ReferenceConsult', row),
  DisclosureRequest: (ctx, _id, row) =>
    disclosureLookupDecision(ctx, (row ?? null) as DisclosureRequestRow | null),
};

/** Resolvers already behind a gate (a schema's types may share their extensions with another's). */
const behindGate = new WeakSet<ResolveReference>();

function gated(typeName: string, resolve: ResolveReference): ResolveReference {
  if (behindGate.has(resolve)) return resolve;
  const decide = GATES[typeName]!;
  const gate: ResolveReference = async (ref, ctx, info) => {
    ctx.authz.prefetch();
    const row = await resolve(ref, ctx, info);
    const id = typeof ref.id === 'string' ? ref.id : '';
    const decision = await decide(ctx, id, row);
    if (decision.granted) return row;
    const refusal = toRuleResult(decision);
    // Only a patron that exists is named, as for root refusals: an unknown id leaves no trace.
    const claimed = typeName === 'Patron' && row ? id : null;
    await recordRefusal(ctx, info, `entity:${typeName}`, reasonOf(refusal), claimed);
    throw refusal;
  };
  behindGate.add(gate);
  return gate;
}

/** `schema` with every entity's reference resolver behind its type's lookup decision. */
export function guardEntities(schema: GraphQLSchema): GraphQLSchema {
  for (const typeName of Object.keys(GATES)) {
    const type = schema.getType(typeName);
    const subgraph = isObjectType(type)
      ? (type.extensions as { apollo?: { subgraph?: { resolveReference?: ResolveReference } } })
          .apollo?.subgraph
      : undefined;
    if (!subgraph?.resolveReference) throw new Error(`${typeName} has no reference resolver`);
    subgraph.resolveReference = gated(typeName, subgraph.resolveReference);
  }
  return schema;
}
