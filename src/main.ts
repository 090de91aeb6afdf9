// npm start: the subgraph on the embedded default (PGlite in DATA_DIR, demo data on first start),
// or on PostgreSQL when DATABASE_URL is set.
import { loadConfigOrExit } from './config.js';
import { createLogger } from './logger.js';
import { openDatabase } from './db/client.js';
import { DataDirInUseError, EXIT_DATA_DIR_IN_USE } from './db/data-dir-lock.js';
import { migrateDatabase } from './db/migrate.js';
import { verifierFromConfig } from './auth/verifier.js';
import { isEmpty, seedDemo, DEMO } from './seed/demo.js';
import { startServer } from './server.js';

const config = loadConfigOrExit();
const logger = createLogger(config.LOG_LEVEL);
const database = await openDatabase({
  url: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  poolSize: config.DATABASE_POOL_SIZE,
}).catch((err: unknown) => {
  if (!(err instanceof DataDirInUseError)) throw err;
  logger.fatal({ reason: err.reason, holderPid: err.holder?.pid }, err.message);
  process.exit(EXIT_DATA_DIR_IN_USE);
});
await migrateDatabase(database);
const embedded = database.kind === 'pglite';
if (embedded && config.SEED_DEMO && (await isEmpty(database.db))) {
  await seedDemo(database.db);
  logger.info('demo library loaded');
}
const server = await startServer({
  config,
  logger,
  database,
  verifier: await verifierFromConfig(config),
});
logger.info({ url: server.url, database: database.kind }, 'patron-records subgraph ready');
if (embedded) {
  process.stdout.write(
    `\nPatron-records subgraph: ${server.url}\n\n` +
      `Try, in another terminal:\n` +
      `  TOKEN=$(npm run -s token -- --role director --sub ${DEMO.staff.director})\n` +
      `  curl -s ${server.url} -H "authorization: Bearer $TOKEN" -H "x-access-purpose: RECORDS_AUDIT" \\\n` +
      `    -H 'content-type: application/json' -d '{"query":"{ patron(id: \\"${DEMO.patrons.ada}\\") { name cardNumber loans { nodes { id dueAt } } } }"}'\n\n`,
  );
}

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
