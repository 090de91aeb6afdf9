// npm start: the compiled server (dist/main.js, rebuilt first when a source changed), in this
// process, so its pid is the server's and signals reach src/main.ts's handlers directly.
import { pathToFileURL } from 'node:url';
import { ensureBuilt } from './build.js';

// Stack traces in the logs name src/ files and lines, as they did under tsx.
process.setSourceMapsEnabled(true);
await import(pathToFileURL(await ensureBuilt()).href);
