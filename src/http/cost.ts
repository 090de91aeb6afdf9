// The cost limit, computed on the page sizes the operation will really use. graphql-armor's
// cost-limit multiplies a list by its `first` argument only when it is a literal; a variable
// (`first: $n`) or the schema default (`first: Int = 20`) would count as 1, so a nested page of
// pages could pass as cheap. Here every `first` is resolved (literal, variable, operation default,
// field default) before armor's rule runs, once the operation and its variables are known.
import {
  Kind,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../graphql/context.js';
import type { Metrics } from '../metrics.js';
import { limitError } from './limits.js';

function variableDefault(operation: OperationDefinitionNode | undefined, name: string): unknown {
  const value = operation?.variableDefinitions?.find(
    (d) => d.variable.name.value === name,
  )?.defaultValue;
  return value?.kind === Kind.INT ? Number(value.value) : undefined;
}

/** The document with every `first` argument written as the integer it will take. */
function withEffectivePageSizes(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operation?: OperationDefinitionNode,
): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node: FieldNode) {
        const arg = typeInfo.getFieldDef()?.args.find((a) => a.name === 'first');
        if (!arg) return undefined;
        const given = node.arguments?.find((a) => a.name.value === 'first');
        if (given?.value.kind === Kind.INT) return undefined;
        const fromVariable =
          given?.value.kind === Kind.VARIABLE
            ? (variables[given.value.name.value] ??
              variableDefault(operation, given.value.name.value))
            : undefined;
        const n = fromVariable ?? arg.defaultValue;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) return undefined;
        const first: ArgumentNode = {
          kind: Kind.ARGUMENT,
          name: { kind: Kind.NAME, value: 'first' },
          value: { kind: Kind.INT, value: String(n) },
        };
        return {
          ...node,
          arguments: [...(node.arguments ?? []).filter((a) => a.name.value !== 'first'), first],
        };
      },
    }),
  );
}

const COST_OPTIONS = {
  flattenFragments: true,
  propagateOnRejection: false,
  exposeLimits: true,
} as const;

/** The operation's cost with its real page sizes (what the limit is compared with). */
export function effectiveCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> = {},
): number {
  return cachedCost(schema, document, variables);
}

/** Names of the variables an operation passes as `first` (cached per parsed document). */
const pageVariables = new WeakMap<DocumentNode, string[]>();
function pageSizeVariables(schema: GraphQLSchema, document: DocumentNode): string[] {
  let names = pageVariables.get(document);
  if (!names) {
    const found: string[] = [];
    const typeInfo = new TypeInfo(schema);
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        Argument(node) {
          if (
            node.name.value === 'first' &&
            node.value.kind === Kind.VARIABLE &&
            typeInfo.getArgument()
          )
            found.push(node.value.name.value);
        },
      }),
    );
    names = [...new Set(found)];
    pageVariables.set(document, names);
  }
  return names;
}

/**
 * Costs per parsed document (Apollo keeps one DocumentNode per query text) and per value of its
 * page-size variables: the computation costs about as much as validating the document, so it runs
 * once per distinct (query, page sizes), not once per request.
 */
const costs = new WeakMap<DocumentNode, Map<string, number>>();
const MAX_VARIANTS = 64;

function cachedCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operation?: OperationDefinitionNode,
): number {
  const key = [
    operation?.name?.value ?? '',
    ...pageSizeVariables(schema, document).map((n) => String(variables[n])),
  ].join('\u0001');
  let perDocument = costs.get(document);
  if (!perDocument) costs.set(document, (perDocument = new Map()));
  let cost = perDocument.get(key);
  if (cost === undefined) {
    cost = 0;
    const rule = costLimitRule({
      ...COST_OPTIONS,
      maxCost: -1,
      // Several operations in one document: the costliest one counts.
      onReject: [
        (_: ValidationContext | null, e: GraphQLError) =>
          void (cost = Math.max(
            cost ?? 0,
            Number(/found (\d+(?:\.\d+)?)/.exec(e.message)?.[1] ?? 0),
          )),
      ],
    }) as ValidationRule;
    validate(schema, withEffectivePageSizes(schema, document, variables, operation), [rule]);
    if (perDocument.size >= MAX_VARIANTS) perDocument.clear();
    perDocument.set(key, cost);
  }
  return cost;
}

export function costLimitPlugin(
  maxCost: number,
  metrics: Metrics,
): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, operation }) {
          const cost = cachedCost(schema, document, request.variables ?? {}, operation);
          if (cost > maxCost) {
            metrics.limitRejected('cost');
            // The same wording as graphql-armor's own message.
            throw limitError(
              `Query Cost limit of ${maxCost} exceeded, found ${cost}.`,
              'MAX_QUERY_COST',
              400,
            );
          }
        },
      };
    },
  };
}
