// The executable subgraph schema: SDL + resolvers, wrapped in the graphql-shield rule tree.
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { buildPermissions } from '../authz/permissions.js';
import { resolvers } from './resolvers/index.js';
import { loadTypeDefs } from './sdl.js';

/** The schema without authorization: only the benchmark's baseline and the policy tests use it. */
export function buildUnprotectedSchema(): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: loadTypeDefs(), resolvers: resolvers as GraphQLResolverMap<unknown> }]);
}

export function buildSchema(): GraphQLSchema {
  const schema = buildUnprotectedSchema();
  return applyMiddleware(schema, buildPermissions(schema));
}
