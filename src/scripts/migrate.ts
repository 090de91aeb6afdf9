// npm run db:migrate: applies the committed migrations to DATABASE_URL (or the embedded database).
import { loadConfigOrExit } from '../config.js';
import { openDatabaseOrExit } from './open-database.js';
import { migrateDatabase } from '../db/migrate.js';

const config = loadConfigOrExit();
const database = await openDatabaseOrExit({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
try {
  await migrateDatabase(database);
  process.stdout.write(`migrations applied to the ${database.kind} database\n`);
} finally {
  await database.close();
}
