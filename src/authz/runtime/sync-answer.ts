// graphql-shield's field middleware is an async function, so every protected field it wraps
// becomes a promise, and graphql-js then completes every object of a page asynchronously: on a
// 100-patron page that costs more than the decisions themselves. Yet a piiRule's decision is made
// once per (object, rule) and, once the request's facts are loaded, synchronously (rules.ts,
// policy.ts), so for most fields the answer is already known when the field resolves.
// For those fields this wrapper takes the rule's own answer without the promise: the same rule
// object (read from the same explicit tree the shield was built from), the same decision, the same
// audit record. Whenever the rule cannot answer yet, or its answer is not one of the two the shield
// passes on unchanged (true, an Error), the shield's own middleware evaluates the field instead.
import type { GraphQLResolveInfo } from 'graphql';
import type { IMiddlewareFieldMap } from 'graphql-middleware';
import type { GraphQLContext } from '../../graphql/context.js';
import type { SyncAnswerRule } from '../shield/rules.js';
import type { ExplicitRules } from '../shield/explicit-rules.js';
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

/** The shield's field middleware (generated from `rules`), answering synchronously where the field's rule can. */
export function withSyncAnswers(
  middleware: IMiddlewareFieldMap,
  rules: ExplicitRules,
): IMiddlewareFieldMap {
  return mapFieldMiddleware(middleware, (typeName, fieldName, m) => {
    const r = rules[typeName]?.[fieldName];
    return canAnswerNow(r) && typeof m === 'function' ? answeringNow(r, m as FieldMiddleware) : m;
  });
}

function answeringNow(r: SyncAnswerRule, shieldMiddleware: FieldMiddleware): FieldMiddleware {
  return (resolve, parent, args, ctx, info) => {
    let answer: unknown;
    try {
      answer = r.answerNow(parent, ctx, info);
    } catch {
      // The shield's Rule.resolve turns a rule that throws into a denial: let it do exactly that.
      return shieldMiddleware(resolve, parent, args, ctx, info);
    }
    // generator.js: true resolves the field, an Error is returned as the field's error.
    if (answer === true) return resolve(parent, args, ctx, info);
    if (answer instanceof Error) return answer;
    return shieldMiddleware(resolve, parent, args, ctx, info);
  };
}
