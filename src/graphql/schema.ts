// The executable subgraph schema: SDL + resolvers, wrapped in the graphql-shield rule tree.
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import {
  applyMiddleware,
  type IMiddlewareFieldMap,
  type IMiddlewareTypeMap,
} from 'graphql-middleware';
import { buildPermissions, ruleTree } from '../authz/permissions.js';
import { alwaysAllowedFields, withoutPassThrough } from '../authz/pass-through.js';
import { withSyncAnswers } from '../authz/sync-answer.js';
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
  const schema = buildUnprotectedSchema();
  const tree = ruleTree(schema);
  // The shield's own field middleware, minus the wrappers that can only ever allow (pass-through.ts),
  // answering without a promise where the rule already knows its answer (sync-answer.ts).
  const fieldMiddleware = buildPermissions(schema, tree).generate(schema) as IMiddlewareFieldMap;
  return applyMiddleware(
    schema,
    withSyncAnswers(withoutPassThrough(fieldMiddleware, alwaysAllowedFields(tree)), tree),
    ...inner,
  );
}
