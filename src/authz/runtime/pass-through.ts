// graphql-shield wraps EVERY field of the schema in an async middleware, even a field whose rule is
// `allow`: that wrapper only awaits `allow` and then the resolver, yet it turns each such field
// (ids, connections, page info: a third of a 100-patron page) into a promise. Dropping exactly
// those wrappers changes no decision: `allow` admits everything, and a resolver error reaches
// graphql-js the same way (shield with allowExternalErrors returns it; unwrapped, it is thrown).
// Fields with any other rule, including the fallback (deny) of fields with no rule, keep theirs.
import { allow } from 'graphql-shield';
import type { IMiddlewareFieldMap } from 'graphql-middleware';
import type { ExplicitRules } from '../shield/explicit-rules.js';
import { mapFieldMiddleware } from './field-middleware.js';

/** "Type.field" of every field whose rule is exactly `allow`, in the explicit tree the shield was built from. */
export function alwaysAllowedFields(rules: ExplicitRules): Set<string> {
  const out = new Set<string>();
  for (const [typeName, fields] of Object.entries(rules)) {
    for (const [fieldName, r] of Object.entries(fields))
      if (r === allow) out.add(`${typeName}.${fieldName}`);
  }
  return out;
}

/** The shield's field middleware without the wrappers of always-allowed fields. */
export function withoutPassThrough(
  middleware: IMiddlewareFieldMap,
  allowed: ReadonlySet<string>,
): IMiddlewareFieldMap {
  return mapFieldMiddleware(middleware, (typeName, fieldName, m) =>
    allowed.has(`${typeName}.${fieldName}`) ? undefined : m,
  );
}
