// Property: every classified field of every type has a rule derived from its classification, and
// a field without a classification stops the schema (and so the server) from building.
import { buildSubgraphSchema } from '@apollo/subgraph';
import { isObjectType, parse } from 'graphql';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { classifyFields, UnclassifiedFieldError } from '../../src/authz/policy/classification.js';
import {
  buildPermissions,
  derivedTypeRules,
  ROOT_RULES,
} from '../../src/authz/shield/permissions.js';
import { buildUnprotectedSchema } from '../../src/graphql/schema.js';
import { schemaDir } from '../../src/graphql/sdl.js';

const schema = buildUnprotectedSchema();
const classes = classifyFields(schema);
const rules = derivedTypeRules(classes);
const ruleName = (r: unknown) => (r as { name: string }).name;

describe('reg. 4: every classified field has the rule its classification calls for', () => {
  test.each([...classes.entries()].map(([key, c]) => [key, c] as const))('%s', (key, c) => {
    const [type, field] = key.split('.') as [string, string];
    const name = ruleName(rules[type]?.[field]);
    if (c.kind === 'public') expect(name).toBe(ruleName(rules.PageInfo!.hasNextPage));
    else if (c.kind === 'internal') expect(name).toBe('internal:staff');
    // A request's events and its release record are the request's own paperwork: decided by the request.
    else if (['DisclosureRequest', 'DisclosureEvent', 'DisclosureRelease'].includes(type))
      expect(name).toBe('pii:DISCLOSURE:request');
    else
      expect(name).toBe(
        `pii:${c.category}${c.staffVisible ? '' : ':custodian'}${c.vendorShared ? ':vendor' : ''}`,
      );
  });
});

test('every field of every object type is classified, and nothing else is', () => {
  const expected = Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .filter((t) => !['Query', 'Mutation'].includes(t.name) && !t.name.startsWith('_'))
    .flatMap((t) => Object.keys(t.getFields()).map((f) => `${t.name}.${f}`))
    .sort();
  expect([...classes.keys()].sort()).toEqual(expected);
  expect(classes.size).toBeGreaterThan(90);
});

test('every root field has a hand-written rule (none relies on the deny fallback by accident)', () => {
  for (const root of ['Query', 'Mutation'] as const) {
    const type = schema.getType(root);
    if (!isObjectType(type)) throw new Error(`${root} is not an object type`);
    const fields = Object.keys(type.getFields());
    expect(
      fields.filter((f) => !(f in ROOT_RULES[root])),
      root,
    ).toEqual([]);
  }
});

/** The SDL of schema/, with `extra` appended inside the Patron type. */
function sdlWith(extraPatronField: string): string {
  const files = readdirSync(schemaDir)
    .filter((f) => f.endsWith('.graphql'))
    .sort();
  const sdl = files.map((f) => readFileSync(`${schemaDir}/${f}`, 'utf8')).join('\n');
  return sdl.replace(
    'type Patron @key(fields: "id") {',
    `type Patron @key(fields: "id") {\n  ${extraPatronField}`,
  );
}

test('a field added without a classification fails the build, naming the field', () => {
  const s = buildSubgraphSchema([{ typeDefs: parse(sdlWith('nickname: String')) }]);
  expect(() => classifyFields(s)).toThrow(UnclassifiedFieldError);
  expect(() => buildPermissions(s)).toThrow('missing or ambiguous: Patron.nickname');
});

test('a field with two classifications fails the build too', () => {
  const s = buildSubgraphSchema([
    { typeDefs: parse(sdlWith('nickname: String @public @pii(category: IDENTITY)')) },
  ]);
  expect(() => buildPermissions(s)).toThrow('missing or ambiguous: Patron.nickname');
});

test('the same field, classified, builds and gets the IDENTITY rule', () => {
  const s = buildSubgraphSchema([
    { typeDefs: parse(sdlWith('nickname: String @pii(category: IDENTITY)')) },
  ]);
  expect(ruleName(derivedTypeRules(classifyFields(s)).Patron!.nickname)).toBe('pii:IDENTITY');
});
