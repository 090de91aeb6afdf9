// npm run seed: loads the demo library into an empty database (embedded by default).
import { loadConfigOrExit } from '../config.js';
import { openDatabaseOrExit } from './open-database.js';
import { migrateDatabase } from '../db/migrate.js';
import { isEmpty, seedDemo } from '../seed/demo.js';

const config = loadConfigOrExit();
// The owner's connection when given: migrations and the demo library are the owner's work.
const database = await openDatabaseOrExit({
  url: config.DATABASE_MIGRATION_URL ?? config.DATABASE_URL,
  dataDir: config.DATA_DIR,
});
try {
  await migrateDatabase(database);
  if (!(await isEmpty(database.db))) {
    process.stderr.write(
      `The database already holds patrons; the demo library loads only into an empty one.\n` +
        (database.kind === 'pglite' ? `Remove ${config.DATA_DIR}/pglite to start over.\n` : ''),
    );
    process.exitCode = 1;
  } else {
    await seedDemo(database.db);
    process.stdout.write(`Demo library loaded into the ${database.kind} database.\n`);
  }
} finally {
  await database.close();
}
