// The SDL is the source of truth: every file in schema/, in name order, parsed once.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, type DocumentNode } from 'graphql';

export const schemaDir = fileURLToPath(new URL('../../schema', import.meta.url));

export function loadTypeDefs(): DocumentNode {
  const files = readdirSync(schemaDir)
    .filter((f) => f.endsWith('.graphql'))
    .sort();
  return parse(files.map((f) => readFileSync(`${schemaDir}/${f}`, 'utf8')).join('\n'));
}
