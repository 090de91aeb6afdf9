// The policy matrix of docs/authorization.md must be what the rule engine decides today.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { policyMatrix } from '../../src/scripts/policy-matrix-fixture.js';
import { buildUnprotectedSchema } from '../../src/graphql/schema.js';
import { MATRIX_DOC, withMatrix } from '../../src/scripts/policy-matrix.js';

test('the policy matrix in docs/authorization.md matches the rules (run `npm run policy:matrix` after changing them)', async () => {
  const readme = readFileSync(MATRIX_DOC, 'utf8');
  expect(readme).toEqual(withMatrix(readme, await policyMatrix(buildUnprotectedSchema())));
});

test('reg. 3, 14: the matrix has the rows the policy is about, computed, not written by hand', async () => {
  const rows = (await policyMatrix(buildUnprotectedSchema())).split('\n').slice(2);
  const row = (who: string) =>
    rows
      .find((r) => r.startsWith(`| ${who} |`))
      ?.split(' | ')
      .slice(1);
  expect(row('volunteer, purpose stated')?.every((c) => c.startsWith('—'))).toBe(true);
  expect(row('guardian: no grant, or a revoked one')?.every((c) => c.startsWith('—'))).toBe(true);
  expect(row('anonymous (no token)')?.every((c) => c.startsWith('sign in'))).toBe(true);
});
