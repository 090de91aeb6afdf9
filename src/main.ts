// npm start: the subgraph on the embedded default (PGlite in DATA_DIR, demo data on first start),
// or on PostgreSQL when DATABASE_URL is set.
import { loadConfigOrExit } from './config.js';
import { createLogger } from './logger.js';
import { openDatabase, serverDatabaseOptions } from './db/client.js';
import { migrateAsOwner } from './db/migrate.js';
import { UnsafeRoleError } from './db/roles.js';
import { DataDirInUseError, EXIT_DATA_DIR_IN_USE } from './db/data-dir-lock.js';
import { verifierFromConfig } from './auth/verifier.js';
import { isEmpty, seedDemo, DEMO } from './seed/demo.js';
import { startServer } from './server.js';
import { devTokenMinter } from './http/console-dev.js';
import { startTelemetry } from './telemetry/index.js';

const config = loadConfigOrExit();
const logger = createLogger(config.LOG_LEVEL);
// OTLP tracing when the standard OTEL_* variables ask for it; otherwise nothing is loaded.
const telemetry = await startTelemetry();
const database = await openDatabase(serverDatabaseOptions(config)).catch((err: unknown) => {
  if (!(err instanceof DataDirInUseError)) throw err;
  logger.fatal({ reason: err.reason, holderPid: err.holder?.pid }, err.message);
  process.exit(EXIT_DATA_DIR_IN_USE);
});
await migrateAsOwner(config, database);
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
  devTokens: await devTokenMinter(config),
}).catch(async (err: unknown) => {
  if (!(err instanceof UnsafeRoleError)) throw err;
  logger.fatal({ err: { type: err.name } }, err.message);
  process.stderr.write(`${err.message}\n`);
  await database.close();
  process.exit(78);
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
    server
      .stop()
      .then(() => telemetry?.shutdown())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}
