// The executable subgraph schema: SDL + resolvers, wrapped in the graphql-shield rule tree.
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { applyMiddleware, type IMiddlewareFieldMap } from 'graphql-middleware';
import { buildPermissions } from '../authz/permissions.js';
import { alwaysAllowedFields, withoutPassThrough } from '../authz/pass-through.js';
import { resolvers } from './resolvers/index.js';
import { loadTypeDefs } from './sdl.js';

/** The module shape buildSubgraphSchema takes (its resolver map type is not exported by the package). */
type SubgraphModule = Exclude<Extract<Parameters<typeof buildSubgraphSchema>[0], readonly unknown[]>[number], { kind: string }>;

/** The schema without authorization: only the benchmark's baseline and the policy tests use it. */
export function buildUnprotectedSchema(): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: loadTypeDefs(), resolvers: resolvers as SubgraphModule['resolvers'] }]);
}

export function buildSchema(): GraphQLSchema {
  const schema = buildUnprotectedSchema();
  // The shield's own field middleware, minus the wrappers that can only ever allow (pass-through.ts).
  const fieldMiddleware = buildPermissions(schema).generate(schema) as IMiddlewareFieldMap;
  return applyMiddleware(schema, withoutPassThrough(fieldMiddleware, alwaysAllowedFields(schema)));
}
