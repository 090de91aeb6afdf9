// The domain's enumerations and the SDL's enums name the same values: codegen maps the SDL enums
// onto the domain's types (codegen.ts `enumValues`), so only this test sees a value added to one.
import { Kind, type EnumTypeDefinitionNode } from 'graphql';
import { expect, test } from 'vitest';
import { loadTypeDefs } from '../../src/graphql/sdl.js';
import {
  ACCESS_BASES,
  AUDIT_OUTCOMES,
  PII_CATEGORIES,
  STATISTICS_DIMENSIONS,
  STATISTICS_MEASURES,
} from '../../src/domain/vocabulary.js';

const enums = new Map(
  loadTypeDefs()
    .definitions.filter((d): d is EnumTypeDefinitionNode => d.kind === Kind.ENUM_TYPE_DEFINITION)
    .map((d) => [d.name.value, (d.values ?? []).map((v) => v.name.value)]),
);

test.each([
  ['PiiCategory', PII_CATEGORIES],
  ['AccessBasis', ACCESS_BASES],
  ['AuditOutcome', AUDIT_OUTCOMES],
  ['StatisticsMeasure', STATISTICS_MEASURES],
  ['StatisticsDimension', STATISTICS_DIMENSIONS],
])('the SDL enum %s names exactly the domain list, in its order', (name, values) => {
  expect(enums.get(name)).toEqual([...values]);
});
