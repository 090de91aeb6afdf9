// The shield's middleware is a map type → field → middleware (or type → one middleware for every
// field). pass-through.ts and sync-answer.ts each rewrite its field entries; this is the walk they share.
import type { IMiddlewareFieldMap } from 'graphql-middleware';

/**
 * A copy of `middleware` with each field's entry replaced by `f(type, field, entry)`: undefined
 * drops the field's middleware. Type-wide entries (a function for all of a type's fields) are kept.
 */
export function mapFieldMiddleware(
  middleware: IMiddlewareFieldMap,
  f: (typeName: string, fieldName: string, entry: unknown) => unknown,
): IMiddlewareFieldMap {
  const out: IMiddlewareFieldMap = {};
  for (const [typeName, fields] of Object.entries(middleware)) {
    if (typeof fields === 'function') {
      out[typeName] = fields;
      continue;
    }
    const mapped: Record<string, unknown> = {};
    for (const [fieldName, entry] of Object.entries(fields)) {
      const next = f(typeName, fieldName, entry);
      if (next !== undefined) mapped[fieldName] = next;
    }
    out[typeName] = mapped as IMiddlewareFieldMap[string];
  }
  return out;
}
