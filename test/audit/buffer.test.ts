// The request's audit buffer (src/audit/buffer.ts) and the decision groups the writer makes of it
// (src/audit/writer.ts). In memory: what a request records, before any database sees it.
import type { GraphQLResolveInfo } from 'graphql';
import { describe, expect, test } from 'vitest';
import { AuditBuffer } from '../../src/audit/buffer.js';
import { decisionGroups } from '../../src/audit/wire.js';
import { FORBIDDEN, grant } from '../../src/domain/decision.js';

type Path = GraphQLResolveInfo['path'];
/** A response path as graphql-js builds it: patrons.nodes.<i>.<field>. */
const pathOf = (i: number, field: string): Path => {
  const nodes: Path = {
    prev: { prev: undefined, key: 'patrons', typename: 'Query' },
    key: 'nodes',
    typename: 'PatronConnection',
  };
  return { prev: { prev: nodes, key: i, typename: undefined }, key: field, typename: 'Patron' };
};
const STAFF = grant('STAFF_PURPOSE');

/** A page of patrons read alike: name and email under one rule, for each patron. */
function page(patrons: string[], fields = ['name', 'email'], d = STAFF) {
  const buffer = new AuditBuffer();
  patrons.forEach((patron, i) => {
    const row = buffer.rowOf(patron, 'Patron', 'IDENTITY', 'pii:IDENTITY', d);
    for (const f of fields) buffer.addField(row, f, d.granted, pathOf(i, f));
  });
  return buffer;
}
const summary = (buffer: AuditBuffer) =>
  decisionGroups(buffer.entries()).map(
    (g) =>
      `${g.typeName} ${g.fields.join(',')} ${g.outcome} ${g.basis ?? '-'} [${g.subjects.join(',')}]`,
  );

describe('inv. 3: every resolution is recorded, grouped by identical decision', () => {
  test('patrons read alike are one group, whatever order their fields resolved in', () => {
    const buffer = page(['pat_a', 'pat_b']);
    const row = buffer.rowOf('pat_c', 'Patron', 'IDENTITY', 'pii:IDENTITY', STAFF);
    buffer.addField(row, 'email', true, pathOf(2, 'email'));
    buffer.addField(row, 'name', true, pathOf(2, 'name'));
    expect(summary(buffer)).toEqual([
      'Patron email,name GRANTED STAFF_PURPOSE [pat_a,pat_b,pat_c]',
    ]);
    expect(buffer.size).toBe(3);
  });

  test('a field resolved twice on one patron is listed once; a different field list is another group', () => {
    const buffer = page(['pat_a']);
    const again = buffer.rowOf(
      'pat_a',
      'Patron',
      'IDENTITY',
      'pii:IDENTITY',
      grant('STAFF_PURPOSE'),
    );
    buffer.addField(again, 'name', true, pathOf(0, 'name'));
    const other = buffer.rowOf('pat_b', 'Patron', 'IDENTITY', 'pii:IDENTITY', STAFF);
    buffer.addField(other, 'name', true, pathOf(1, 'name'));
    expect(summary(buffer)).toEqual([
      'Patron email,name GRANTED STAFF_PURPOSE [pat_a]',
      'Patron name GRANTED STAFF_PURPOSE [pat_b]',
    ]);
  });

  test('a denial and a grant on the same patron and rule are separate rows', () => {
    const buffer = page(['pat_a']);
    buffer.record(
      'pat_a',
      'Patron',
      'phone',
      'IDENTITY',
      'pii:IDENTITY',
      FORBIDDEN,
      pathOf(0, 'phone'),
    );
    expect(summary(buffer)).toEqual([
      'Patron email,name GRANTED STAFF_PURPOSE [pat_a]',
      'Patron phone DENIED - [pat_a]',
    ]);
  });
});

describe('inv. 3: a granted field whose resolver then failed is recorded FAILED', () => {
  test("the failed field moves to a FAILED row with the grant's basis; the patron's other fields stay GRANTED", () => {
    const buffer = page(['pat_a', 'pat_b']);
    buffer.markFailures([{ path: ['patrons', 'nodes', 1, 'email'] }]);
    expect(summary(buffer)).toEqual([
      'Patron email,name GRANTED STAFF_PURPOSE [pat_a]',
      'Patron email FAILED STAFF_PURPOSE [pat_b]',
      'Patron name GRANTED STAFF_PURPOSE [pat_b]',
    ]);
  });

  test('a row whose only field failed is gone from GRANTED', () => {
    const buffer = page(['pat_a'], ['name']);
    buffer.markFailures([{ path: ['patrons', 'nodes', 0, 'name'] }]);
    expect(summary(buffer)).toEqual(['Patron name FAILED STAFF_PURPOSE [pat_a]']);
    expect(buffer.size).toBe(1);
  });

  test('a field also delivered under another alias stays GRANTED as well as FAILED', () => {
    const buffer = page(['pat_a'], ['name']);
    const row = buffer.rowOf('pat_a', 'Patron', 'IDENTITY', 'pii:IDENTITY', STAFF);
    buffer.addField(row, 'name', true, pathOf(0, 'fullName'));
    buffer.markFailures([{ path: ['patrons', 'nodes', 0, 'name'] }]);
    expect(summary(buffer)).toEqual([
      'Patron name FAILED STAFF_PURPOSE [pat_a]',
      'Patron name GRANTED STAFF_PURPOSE [pat_a]',
    ]);
  });

  test('errors elsewhere, or without a path, change nothing', () => {
    const buffer = page(['pat_a']);
    buffer.markFailures([{ path: ['patrons', 'nodes', 0, 'loans'] }, {}]);
    expect(summary(buffer)).toEqual(['Patron email,name GRANTED STAFF_PURPOSE [pat_a]']);
  });
});
