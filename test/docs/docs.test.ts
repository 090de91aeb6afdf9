// The manual stays true: every file it names exists, every `npm run` script is in package.json,
// every environment variable is one src/config.ts accepts, every `Type.field` is in the SDL and
// every code symbol is exported somewhere in src/. The README also stays a manual: short, with a
// table of contents, and naming every variable the configuration accepts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, type DocumentNode } from 'graphql';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const filesUnder = (dir: string, ext: string): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext))
    .map((f) => join(dir, f));

/** Written on other branches at the same time; linked before they land. Remove once merged. */
const DOCS = ['README.md', ...filesUnder('docs', '.md')];

/**
 * Names read by other programs than the server: the runtime, OpenTelemetry, the bench and the
 * scale test, CI, the Apollo Router's own configuration; and exit codes (sysexits).
 */
const STANDARD_VARIABLE =
  /^(OTEL_\w+|NODE_OPTIONS|NODE_ENV|UV_THREADPOOL_SIZE|DATABASE_URL|APOLLO_\w+|BENCH_\w+|SCALE_\w+|CI_\w+|CHROMIUM_PATH|GRAPH_\w+|PATRONS_ROUTER_SECRET|EX_\w+)$/;
/**
 * Names of other programs' APIs a document explains: PGlite's option, Apollo's persisted-query
 * field, an HTTP header, the browser storage the console does not use.
 */
const THEIRS = new Set([
  'relaxedDurability',
  'sha256Hash',
  'Authorization',
  'localStorage',
  'sessionStorage',
]);
/** Folders the tools write at run time, git-ignored (a document may name where output goes). */
const RUNTIME_OUTPUT = readFileSync(join(ROOT, '.gitignore'), 'utf8')
  .split('\n')
  .filter((l) => l.endsWith('/') && !l.startsWith('#'))
  .map((l) => l.replace(/^\//, '').replace(/\/$/, ''));
const isRuntimeOutput = (p: string) =>
  RUNTIME_OUTPUT.some((dir) => p === dir || p.startsWith(`${dir}/`));
/** PostgreSQL's own names, and the demo library's ids (made in src/seed/demo.ts). */
const NOT_OURS =
  /^(information_schema|pg_\w+|bt_\w+|(pat|loan|fine|rc|dr|des|staff|u|svc|req|ven)_\w+)$/;

const CONFIG_KEYS = new Set(
  [...read('src/config.ts').matchAll(/^ {4}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!),
);

const SRC = filesUnder('src', '.ts').map((path) => ({ path, text: read(path) }));
/** Where each exported name of src/ is defined. */
const EXPORTS = new Map<string, string[]>();
for (const { path, text } of SRC) {
  const names = [
    ...[
      ...text.matchAll(
        /export\s+(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|const|let|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/g,
      ),
    ].map((m) => m[1]!),
    ...[...text.matchAll(/export\s*(?:type\s*)?\{([^}]*)\}/g)].flatMap((m) =>
      m[1]!.split(',').map((s) =>
        s
          .trim()
          .split(/\s+as\s+/)
          .pop()!
          .replace(/^type\s+/, ''),
      ),
    ),
  ];
  for (const n of names) EXPORTS.set(n, [...(EXPORTS.get(n) ?? []), path]);
}
/** Quoted upper-case literals in src/: error codes, bases, purposes. */
const SRC_LITERALS = new Set(
  SRC.flatMap(({ text }) => [...text.matchAll(/['"`]([A-Z][A-Z0-9_]+)['"`]/g)].map((m) => m[1]!)),
);
const SQL = [...filesUnder('drizzle', '.sql').map(read), ...SRC.map((s) => s.text)].join('\n');
const SRC_WORDS = new Set(SRC.flatMap(({ text }) => text.match(/[A-Za-z_$][\w$]*/g) ?? []));
/** Every file of the repository's own folders, for a file named without its folder. */
const BASENAMES = new Set(
  ['src', 'test', 'docs', 'schema', 'drizzle', 'bench', 'scripts', 'router']
    .filter((d) => existsSync(join(ROOT, d)))
    .flatMap((d) => readdirSync(join(ROOT, d), { recursive: true, encoding: 'utf8' }))
    .map((f) => f.split('/').pop()!),
);

// The SDL, read from schema/*.graphql: types with their fields, arguments and enum values.
const SDL_FIELDS = new Map<string, Set<string>>();
const SDL_NAMES = new Set<string>(['_entities', '_service', '_Entity', '_Service', '_Any']);
for (const file of filesUnder('schema', '.graphql')) {
  const doc: DocumentNode = parse(read(file));
  for (const def of doc.definitions) {
    if (!('name' in def) || !def.name) continue;
    const type = def.name.value;
    SDL_NAMES.add(type);
    const fields = SDL_FIELDS.get(type) ?? new Set<string>();
    SDL_FIELDS.set(type, fields);
    if ('fields' in def && def.fields)
      for (const f of def.fields) {
        fields.add(f.name.value);
        SDL_NAMES.add(f.name.value);
        if (f.kind === Kind.FIELD_DEFINITION)
          for (const a of f.arguments ?? []) SDL_NAMES.add(a.name.value);
      }
    if ('values' in def && def.values)
      for (const v of def.values) {
        fields.add(v.name.value);
        SDL_NAMES.add(v.name.value);
      }
  }
}

const SCRIPTS = new Set(
  Object.keys((JSON.parse(read('package.json')) as { scripts: object }).scripts),
);

/** What a document says, in the shapes the checks below read. */
function mentions(file: string) {
  const text = read(file);
  const code = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!.trim());
  const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((t) => !/^(https?:|mailto:|#)/.test(t))
    .map((t) => relative(ROOT, join(ROOT, dirname(file), t.split('#')[0]!)));
  const paths = [
    ...text.matchAll(
      /(?<![\w./-])((?:src|test|docs|schema|drizzle|bench|scripts|router|\.ci)\/[\w./-]*[\w])/g,
    ),
  ].map((m) => m[1]!);
  const bareFiles = code.filter((c) => /^\.?[\w.-]+\.(ts|json|ya?ml|md|cjs|js|example)$/.test(c));
  return {
    text,
    code,
    paths: [...new Set([...links, ...paths])],
    bareFiles,
    scripts: [...text.matchAll(/npm run (?:-s )?([\w:-]+)/g)].map((m) => m[1]!),
    variables: [...text.matchAll(/(?<![\w.-])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?![\w-])/g)].map(
      (m) => m[1]!,
    ),
  };
}

const exported = (name: string) => EXPORTS.has(name);
/** A backticked code span that names a symbol: `name`, `name(…)`, `new Name(…)`, `Owner.member`. */
function symbolProblem(span: string): string | undefined {
  const m = /^(?:new )?([A-Za-z_$][\w$]*)(?:\.([A-Za-z_$][\w$]*))?(?:\(.*\))?$/.exec(span);
  if (!m) return undefined;
  const [, owner, member] = m as unknown as [string, string, string | undefined];
  if (member !== undefined) {
    if (!/^[A-Z]/.test(owner)) return undefined; // `res.locals`, `metrics.auditFlush`: values, not symbols
    if (SDL_FIELDS.has(owner))
      return SDL_FIELDS.get(owner)!.has(member) ? undefined : `${span}: not in the SDL`;
    const files = EXPORTS.get(owner);
    if (!files) return `${span}: ${owner} is exported nowhere in src/ and is no SDL type`;
    const defines = files.some((f) => new RegExp(`\\b${member}\\b`).test(read(f)));
    return defines ? undefined : `${span}: ${owner} has no ${member}`;
  }
  if (/^[A-Z][A-Z0-9_]*$/.test(owner)) return undefined; // upper case: checked as a variable
  if (/^[a-z0-9_]+$/.test(owner))
    return !owner.includes('_') || NOT_OURS.test(owner) || SQL.includes(owner)
      ? undefined
      : `${span}: in no migration nor src/`;
  // Exported, in the SDL, or at least a name src/ still uses (a method, a library's API it calls).
  return exported(owner) || SDL_NAMES.has(owner) || SRC_WORDS.has(owner) || THEIRS.has(owner)
    ? undefined
    : `${span}: exported nowhere in src/, used nowhere there, and not in the SDL`;
}

describe.each(DOCS)('%s', (file) => {
  const doc = mentions(file);

  test('every file path it names exists', () => {
    const missing = doc.paths.filter((p) => !existsSync(join(ROOT, p)) && !isRuntimeOutput(p));
    const bare = doc.bareFiles.filter((f) => !existsSync(join(ROOT, f)) && !BASENAMES.has(f));
    expect([...missing, ...bare]).toEqual([]);
  });

  test('every `npm run` script it names is in package.json', () => {
    expect(doc.scripts.filter((s) => !SCRIPTS.has(s))).toEqual([]);
  });

  test('every environment variable it names is one the configuration accepts', () => {
    const unknown = doc.variables.filter(
      (v) =>
        !CONFIG_KEYS.has(v) &&
        !STANDARD_VARIABLE.test(v) &&
        !SDL_NAMES.has(v) &&
        !SRC_LITERALS.has(v) &&
        !exported(v),
    );
    expect([...new Set(unknown)]).toEqual([]);
  });

  test('every `Type.field` is in the SDL and every code symbol is exported in src/', () => {
    expect(doc.code.map(symbolProblem).filter(Boolean)).toEqual([]);
  });
});

describe('README.md', () => {
  const readme = read('README.md');

  test('is a manual: under 400 lines, with a table of contents linking every section', () => {
    expect(readme.split('\n').length).toBeLessThan(400);
    const slug = (h: string) =>
      h
        .toLowerCase()
        .replace(/[^\w\s-]/g, '')
        .trim()
        .replace(/\s+/g, '-');
    const sections = [...readme.matchAll(/^## (.+)$/gm)].map((m) => slug(m[1]!));
    const toc = [...readme.matchAll(/^\s*[-*\d.]+\s*\[[^\]]+\]\(#([\w-]+)\)/gm)].map((m) => m[1]!);
    expect(toc.length).toBeGreaterThan(3);
    expect(sections.filter((s) => s !== 'contents')).toEqual(toc);
  });

  test('names every variable src/config.ts accepts, and so does .env.example', () => {
    const envExample = read('.env.example');
    const missing = [...CONFIG_KEYS].filter(
      (k) => !new RegExp(`\\b${k}\\b`).test(readme) || !new RegExp(`\\b${k}\\b`).test(envExample),
    );
    expect(CONFIG_KEYS.size).toBeGreaterThan(40);
    expect(missing).toEqual([]);
  });

  test('the checks themselves catch a member that does not exist and a missing file', () => {
    expect(symbolProblem('AccessControl.staffBasis')).toMatch(/has no staffBasis/);
    expect(symbolProblem('Patron.cardNumber')).toBeUndefined();
    expect(symbolProblem('Patron.cardNumbr')).toMatch(/not in the SDL/);
    expect(symbolProblem('noSuchExport')).toMatch(/exported nowhere/);
    expect(symbolProblem('audit_no_such_table')).toMatch(/in no migration/);
    expect(mentions('README.md').paths.length).toBeGreaterThan(5);
  });
});
