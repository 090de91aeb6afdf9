// Compiles the server (src/main.ts and what it imports) into one ES module, dist/main.js, that
// plain node runs: tsx's loader costs seconds at every start (each module resolved through its hooks).
// `npm start` calls ensureBuilt(); `npm run build` forces a build (an image build step, say).
// Packages are bundled too (but EXTERNAL): node's module loader resolving a few thousand files of
// node_modules was a third of a cold start. Every user of graphql is inside, so there is one graphql.
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  closeSync,
  readdirSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = join(root, 'dist', 'main.js');
/** The privacy console's browser code: its own bundle, its own digest (scripts/build-console.js). */
const CONSOLE_SRC = join(root, 'src', 'console');
const STAMP = '// built from sources ';

/**
 * Digest of everything the bundle is made from: every file under src/ (an edit anywhere rebuilds;
 * over-inclusive is cheap), the compiler settings (tsconfig.json, package.json) and this script.
 * Contents, not modification times, so a checkout or a copy that keeps old times cannot pass off a
 * stale build.
 */
function sourceDigest() {
  const hash = createHash('sha256');
  const files = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => join(f.parentPath, f.name))
    // The console's browser code is not part of the server: editing it does not rebuild the server.
    .filter((f) => !f.startsWith(CONSOLE_SRC + sep))
    .concat(['tsconfig.json', 'package.json', 'scripts/build.js'].map((f) => join(root, f)))
    .sort();
  for (const file of files)
    hash
      .update(`${relative(root, file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  return hash.digest('hex');
}

/** The digest the current bundle was built from, read from its first line; null if there is none. */
function builtDigest() {
  let fd;
  try {
    fd = openSync(outfile, 'r');
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(STAMP.length + 64);
    const n = readSync(fd, head, 0, head.length, 0);
    const line = head.subarray(0, n).toString('utf8');
    return line.startsWith(STAMP) ? line.slice(STAMP.length) : null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Under tsx each module's import.meta.url is its source file, and src/graphql/sdl.ts and
 * src/db/migrate.ts find schema/ and drizzle/ relative to it. In one bundle every module would
 * share the bundle's URL, so each module gets its source file's URL back, relative to the bundle
 * (moving the checkout keeps it right).
 */
function sourceImportMetaUrl(out) {
  return {
    name: 'source-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const fromBundle = relative(dirname(out), args.path).split(sep).join('/');
        const contents = readFileSync(args.path, 'utf8').replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`,
        );
        return { contents, loader: 'ts' };
      });
    },
  };
}

/**
 * Packages node loads itself: PGlite finds its WebAssembly beside its own module, pg-native is
 * optional, and the rest are imported only when used (tracing, the explorer page): bundled, they
 * would be parsed at every start.
 */
const EXTERNAL = [
  '@electric-sql/pglite',
  'pg-native',
  '@graphql-yoga/render-graphiql',
  '@opentelemetry/*',
];

/**
 * Compiles `entry` (relative to the checkout) and what it imports into one ES module at `out`.
 * The benchmark compiles its comparison servers with this too, so every server it measures runs
 * the way `npm start` runs the real one.
 */
export async function compile(entry, out, banner = '') {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    external: EXTERNAL,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Classes and functions keep their names (error types are logged by constructor name).
    keepNames: true,
    // Smaller to compile at every start (4.5 MB, not 6.5); identifiers keep their names, and stack
    // traces go through the source map to src/ anyway.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    // CommonJS packages in an ES module bundle require node's builtins through this.
    banner: {
      js: `${banner}\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);`,
    },
    plugins: [sourceImportMetaUrl(out)],
    write: false,
    logLevel: 'warning',
  });
  mkdirSync(dirname(out), { recursive: true });
  // Written beside, then renamed: a server starting at the same moment reads the old bundle or the
  // new one, never half of one. The map goes first, so the bundle never points at an older map.
  const files = [...result.outputFiles].sort(
    (a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')),
  );
  for (const file of files) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  return out;
}

/** The server's bundle, stamped with the digest of what it was built from. */
export function build(digest = sourceDigest()) {
  return compile('src/main.ts', outfile, `${STAMP}${digest}`);
}

/** The bundle's path, rebuilt first if any source changed since it was built (the console's too). */
export async function ensureBuilt() {
  const digest = sourceDigest();
  const [bundle] = await Promise.all([
    builtDigest() === digest ? outfile : build(digest),
    import('./build-console.js').then((c) => c.ensureConsoleBuilt()),
  ]);
  return bundle;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  await build();
  const { buildConsole } = await import('./build-console.js');
  await buildConsole();
  process.stdout.write(
    `${relative(root, outfile)} and dist/console built in ${Math.round(performance.now() - started)} ms\n`,
  );
}
