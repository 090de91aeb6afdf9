// graphql-shield's field middleware is an async function, so every protected field it wraps
// becomes a promise, and graphql-js then completes every object of a page asynchronously: on a
// 100-patron page that costs more than the decisions themselves. Yet a piiRule's decision is made
// once per (object, rule) and, once the request's facts are loaded, synchronously (rules.ts,
// policy.ts), so for most fields the answer is already known when the field resolves.
// For those fields this wrapper takes the rule's own answer without the promise: the same rule
// object, the same decision, the same audit record. When the rule cannot answer yet, the shield
// evaluates it exactly as before. A denial is returned as its error, as the shield does with
// allowExternalErrors, and a resolver's error reaches graphql-js either way.
import type { GraphQLResolveInfo } from 'graphql';
import type { IMiddlewareFieldMap } from 'graphql-middleware';
import type { GraphQLContext } from '../graphql/context.js';
import type { SyncAnswerRule } from './rules.js';
import { mapFieldMiddleware } from './field-middleware.js';

/** A field middleware as graphql-middleware calls it (the package does not export this type). */
type FieldMiddleware = (
  resolve: (parent: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo) => unknown,
  parent: unknown,
  args: unknown,
  ctx: GraphQLContext,
  info: GraphQLResolveInfo,
) => unknown;

const canAnswerNow = (r: unknown): r is SyncAnswerRule =>
  typeof (r as SyncAnswerRule | null)?.answerNow === 'function';

/** The shield's field middleware, answering synchronously where the field's rule can. */
export function withSyncAnswers(
  middleware: IMiddlewareFieldMap,
  tree: Record<string, Record<string, unknown>>,
): IMiddlewareFieldMap {
  return mapFieldMiddleware(middleware, (typeName, fieldName, m) => {
    const r = tree[typeName]?.[fieldName];
    return canAnswerNow(r) && typeof m === 'function' ? answeringNow(r, m as FieldMiddleware) : m;
  });
}

function answeringNow(r: SyncAnswerRule, shieldMiddleware: FieldMiddleware): FieldMiddleware {
  return (resolve, parent, args, ctx, info) => {
    const answer = r.answerNow(parent, ctx, info);
    if (answer === undefined) return shieldMiddleware(resolve, parent, args, ctx, info);
    return answer === true ? resolve(parent, args, ctx, info) : answer;
  };
}
