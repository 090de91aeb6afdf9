// `npm run policy:matrix`: regenerates the policy matrix of docs/authorization.md (between the policy-matrix
// markers) from the rule engine and the SDL's classification. `--check` exits 1 if it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { policyMatrix } from './policy-matrix-fixture.js';
import { buildUnprotectedSchema } from '../graphql/schema.js';
import { createLogger } from '../logger.js';

export const MATRIX_DOC = fileURLToPath(new URL('../../docs/authorization.md', import.meta.url));
export const START = '<!-- policy-matrix:start -->';
export const END = '<!-- policy-matrix:end -->';

/** The document's text with the matrix section replaced by `matrix`. */
export function withMatrix(readme: string, matrix: string): string {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from)
    throw new Error(`docs/authorization.md needs the markers ${START} and ${END}`);
  return `${readme.slice(0, from + START.length)}\n${matrix}\n${readme.slice(to)}`;
}

async function main() {
  const logger = createLogger('info');
  const readme = readFileSync(MATRIX_DOC, 'utf8');
  const next = withMatrix(readme, await policyMatrix(buildUnprotectedSchema()));
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      logger.error('docs/authorization.md policy matrix is stale: run npm run policy:matrix');
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(MATRIX_DOC, next);
  logger.info({ changed: next !== readme }, 'docs/authorization.md policy matrix written');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
