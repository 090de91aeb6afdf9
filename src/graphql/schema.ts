// The executable subgraph schema: SDL + resolvers, wrapped in the graphql-shield rule tree.
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import {
  applyMiddleware,
  type IMiddlewareFieldMap,
  type IMiddlewareTypeMap,
} from 'graphql-middleware';
import type { IRules } from 'graphql-shield';
import { buildPermissions, fieldRules, ruleTree } from '../authz/shield/permissions.js';
import { guardEntities } from '../authz/shield/entity-gate.js';
import { alwaysAllowedFields, withoutPassThrough } from '../authz/runtime/pass-through.js';
import { withSyncAnswers } from '../authz/runtime/sync-answer.js';
import { resolvers } from './resolvers/index.js';
import { loadTypeDefs } from './sdl.js';

/** The module shape buildSubgraphSchema takes (its resolver map type is not exported by the package). */
type SubgraphModule = Exclude<
  Extract<Parameters<typeof buildSubgraphSchema>[0], readonly unknown[]>[number],
  { kind: string }
>;

/** The schema without authorization: only the benchmark's baseline and the policy tests use it. */
export function buildUnprotectedSchema(): GraphQLSchema {
  return buildSubgraphSchema([
    { typeDefs: loadTypeDefs(), resolvers: resolvers as SubgraphModule['resolvers'] },
  ]);
}

/**
 * The protected schema. `inner` middleware runs inside the rule tree, on allowed fields only (the
 * server passes the atomic-mutation middleware of its audit writer: src/audit/mutation.ts).
 */
export function buildSchema(inner: IMiddlewareTypeMap[] = []): GraphQLSchema {
  return protect(buildUnprotectedSchema(), ruleTree, inner);
}

/**
 * `schema` under its rule tree (permissions.ts; tests pass others): the shield's own field
 * middleware, built from the tree with every field's rule written out (explicit-rules.ts), minus
 * the wrappers that can only ever allow (pass-through.ts), answering without a promise where the
 * rule already knows its answer (sync-answer.ts). Both take each field's rule from that same tree.
 * Entities fetched by the router answer like root lookups (entity-gate.ts).
 */
export function protect(
  schema: GraphQLSchema,
  tree: IRules | ((schema: GraphQLSchema) => IRules) = ruleTree,
  inner: IMiddlewareTypeMap[] = [],
): GraphQLSchema {
  const rules = fieldRules(schema, typeof tree === 'function' ? tree(schema) : tree);
  const fieldMiddleware = buildPermissions(schema, rules).generate(schema) as IMiddlewareFieldMap;
  return guardEntities(
    applyMiddleware(
      schema,
      withSyncAnswers(withoutPassThrough(fieldMiddleware, alwaysAllowedFields(rules)), rules),
      ...inner,
    ),
  );
}
