// Reads each field's privacy classification from the SDL (@pii, @public, @internal). The rule tree
// and the README's policy matrix are derived from this map, and an object-type field without a
// classification stops the server from building its schema.
import { isObjectType, type GraphQLSchema, type ConstArgumentNode } from 'graphql';
import type { PiiCategory } from '../../domain/vocabulary.js';

export type FieldClass =
  | { kind: 'pii'; category: PiiCategory; staffVisible: boolean; vendorShared: boolean }
  | { kind: 'public' }
  | { kind: 'internal' };

/** Types whose fields are authorised by hand-written root rules, or by federation itself. */
const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription', '_Service']);

export class UnclassifiedFieldError extends Error {
  override name = 'UnclassifiedFieldError';
}

function argValue(
  args: readonly ConstArgumentNode[] | undefined,
  name: string,
): string | boolean | undefined {
  const node = args?.find((a) => a.name.value === name)?.value;
  if (!node) return undefined;
  if (node.kind === 'EnumValue') return node.value;
  if (node.kind === 'BooleanValue') return node.value;
  return undefined;
}

/** Map of "Type.field" to its classification, for every field of every non-root object type. */
export function classifyFields(schema: GraphQLSchema): Map<string, FieldClass> {
  const out = new Map<string, FieldClass>();
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || ROOT_TYPES.has(type.name)) continue;
    for (const field of Object.values(type.getFields())) {
      const key = `${type.name}.${field.name}`;
      const directives = field.astNode?.directives ?? [];
      const pii = directives.find((d) => d.name.value === 'pii');
      const marks = directives.filter((d) => ['pii', 'public', 'internal'].includes(d.name.value));
      if (marks.length !== 1) {
        missing.push(key);
        continue;
      }
      if (pii) {
        out.set(key, {
          kind: 'pii',
          category: argValue(pii.arguments, 'category') as PiiCategory,
          staffVisible: argValue(pii.arguments, 'staffVisible') !== false,
          vendorShared: argValue(pii.arguments, 'vendorShared') === true,
        });
      } else {
        out.set(key, { kind: marks[0]!.name.value === 'public' ? 'public' : 'internal' });
      }
    }
  }
  if (missing.length) {
    throw new UnclassifiedFieldError(
      `every field needs exactly one of @pii, @public or @internal; missing or ambiguous: ${missing.join(', ')}`,
    );
  }
  return out;
}
