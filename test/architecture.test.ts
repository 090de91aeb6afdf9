// The layout docs/architecture.md draws is the tree, and its layer rules hold: read from the
// source files' import statements and calls.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const root = join(import.meta.dirname, '..');
const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(root, path)).isDirectory() ? filesUnder(path) : [path];
  });
}
const sources = filesUnder('src').filter(
  (f) => f.endsWith('.ts') && !f.startsWith('src/graphql/generated/'),
);
const text = (f: string) => readFileSync(join(root, f), 'utf8');

/** Every `import ... from '...'` of a file: its module, and whether it brings in a value. */
function imports(f: string): { from: string; value: boolean }[] {
  const found = text(f).matchAll(/^import\s+(type\s+)?([^'";]*?)\s*from\s+'([^']+)'/gms);
  return [...found].map(([, typeOnly, what, from]) => {
    const names = what!
      .replace(/[{}]/g, '')
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    return { from: from!, value: !typeOnly && names.some((n) => !n.startsWith('type ')) };
  });
}

test('every folder and file the architecture diagram names exists', () => {
  const named = [...new Set(doc.match(/\bsrc\/[a-z-]+(\/[a-z-]+\.ts)?\/?/g))];
  expect(named.length).toBeGreaterThan(8);
  expect(named.filter((p) => !existsSync(join(root, p)))).toEqual([]);
});

test('every top-level folder of src/ is in the architecture diagram', () => {
  const folders = readdirSync(join(root, 'src')).filter((n) =>
    statSync(join(root, 'src', n)).isDirectory(),
  );
  expect(folders.filter((n) => !doc.includes(`src/${n}/`))).toEqual([]);
});

test('no file under src/domain/ imports graphql or src/graphql/', () => {
  const offending = sources
    .filter((f) => f.startsWith('src/domain/'))
    .flatMap((f) =>
      imports(f)
        .filter(({ from }) => /^graphql($|\/|-)|^@apollo\/|\/graphql\//.test(from))
        .map(({ from }) => `${f} → ${from}`),
    );
  expect(offending).toEqual([]);
});

test('src/authz/ reads top down: the policy clauses know nothing of the shield or its fast path', () => {
  const authz = sources.filter((f) => f.startsWith('src/authz/'));
  expect(new Set(authz.map((f) => f.split('/')[2]))).toEqual(
    new Set(['policy', 'shield', 'runtime']),
  );
  const offending = authz
    .filter((f) => f.startsWith('src/authz/policy/'))
    .flatMap((f) =>
      imports(f)
        .filter(({ from }) =>
          /graphql-shield|graphql-middleware|\/shield\/|\/runtime\/|\/graphql\//.test(from),
        )
        .map(({ from }) => `${f} → ${from}`),
    );
  expect(offending).toEqual([]);
});

test('no file under src/domain/ reads a role: who may act is decided in src/authz/policy/', () => {
  const offending = sources
    .filter((f) => f.startsWith('src/domain/'))
    .filter((f) => /\broles\s*\.\s*has\s*\(/.test(text(f)));
  expect(offending).toEqual([]);
});

const TABLE_OWNERS = ['src/repositories/', 'src/db/', 'src/audit/', 'src/retention/'];

test('drizzle tables are imported as values only by repositories, db, audit and retention', () => {
  const offending = sources.filter(
    (f) =>
      !TABLE_OWNERS.some((dir) => f.startsWith(dir)) &&
      imports(f).some(({ from, value }) => value && from.endsWith('.sql.js')),
  );
  expect(offending).toEqual([]);
});

test('no file under src/graphql/ calls the audit buffer or writer: rows go through audit/trail.ts', () => {
  const offending = sources
    .filter((f) => f.startsWith('src/graphql/'))
    .filter(
      (f) =>
        /\baudit\s*\.\s*(record|row|rowOf|addField|take|entries)\s*\(/.test(text(f)) ||
        /\bwriter\s*\.\s*append/.test(text(f)) ||
        imports(f).some(({ from }) => /audit\/(trail|writer)\.js$/.test(from)),
    );
  expect(offending).toEqual([]);
});
