// The privacy console's browser bundle: src/console/main.ts and what it imports, into
// dist/console/app.js, beside its index.html and console.css. One self-contained file set served by
// the subgraph (no CDN); rebuilt by `npm start` only when src/console changed (its own digest, so
// the server's bundle does not rebuild for a console edit, nor the console for a server edit).
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src', 'console');
export const CONSOLE_OUT = join(root, 'dist', 'console');
const STAMP = join(CONSOLE_OUT, '.built-from');
/** Modules outside src/console the browser bundle imports (plain data, no Node APIs). */
const SHARED = ['src/auth/purpose.ts'];

function consoleDigest() {
  const hash = createHash('sha256');
  const files = readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => join(f.parentPath, f.name))
    .concat([...SHARED, 'scripts/build-console.js'].map((f) => join(root, f)))
    .sort();
  for (const file of files)
    hash
      .update(`${relative(root, file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  return hash.digest('hex');
}

export async function buildConsole(digest = consoleDigest()) {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['src/console/main.ts'],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    write: false,
    outfile: join(CONSOLE_OUT, 'app.js'),
    logLevel: 'warning',
  });
  mkdirSync(CONSOLE_OUT, { recursive: true });
  for (const file of result.outputFiles) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  for (const name of ['index.html', 'console.css'])
    copyFileSync(join(src, name), join(CONSOLE_OUT, name));
  writeFileSync(STAMP, digest);
  return CONSOLE_OUT;
}

/** Builds the console when its sources changed since the last build. */
export async function ensureConsoleBuilt() {
  const digest = consoleDigest();
  let built = null;
  try {
    built = readFileSync(STAMP, 'utf8');
  } catch {
    // never built
  }
  return built === digest ? CONSOLE_OUT : buildConsole(digest);
}
