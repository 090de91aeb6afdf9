// npm run db:migrate: applies the committed migrations as the owner (DATABASE_MIGRATION_URL, else
// DATABASE_URL, else the embedded database).
import { loadConfigOrExit } from '../config.js';
import { openDatabaseOrExit } from './open-database.js';
import { migrateDatabase } from '../db/migrate.js';

const config = loadConfigOrExit();
// The owner's connection when given: migrations and the demo library are the owner's work.
const database = await openDatabaseOrExit({
  url: config.DATABASE_MIGRATION_URL ?? config.DATABASE_URL,
  dataDir: config.DATA_DIR,
});
try {
  await migrateDatabase(database);
  process.stdout.write(`migrations applied to the ${database.kind} database\n`);
} finally {
  await database.close();
}
