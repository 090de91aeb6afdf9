// npm start: the compiled server (dist/main.js, rebuilt first when a source changed), in this
// process, so its pid is the server's and signals reach src/main.ts's handlers directly.
//
// CommonJS on purpose: libuv sizes its thread pool when it is first used, and node reads an ES
// module entry through that pool, so only a CommonJS entry runs early enough to size it. The pool's
// work here is scrypt (PIN checks: CPU-bound and 16 MiB each): threads beyond the cores add no
// throughput, and each thread's malloc arena keeps its last 16 MiB. Measured after the bench's
// dashboard and verifyCard loads on two cores: 326–343 MB RSS with libuv's default 4 threads,
// 260–277 MB with 2, at the same requests per second. An operator's UV_THREADPOOL_SIZE wins.
'use strict';
const { availableParallelism } = require('node:os');
const { pathToFileURL } = require('node:url');

process.env.UV_THREADPOOL_SIZE ??= String(availableParallelism());
// Stack traces in the logs name src/ files and lines, as they did under tsx.
process.setSourceMapsEnabled(true);

import('./build.js')
  .then(({ ensureBuilt }) => ensureBuilt())
  .then((bundle) => import(pathToFileURL(bundle).href));
