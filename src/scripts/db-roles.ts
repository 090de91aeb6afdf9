// npm run db:roles: with DATABASE_MIGRATION_URL (the owner) and DATABASE_URL (the runtime role)
// set, migrates as the owner if needed, creates the runtime role named by DATABASE_URL's user if it
// is missing (patron_records_app when the URL names none), and grants it exactly its privileges.
// Idempotent: run it after every upgrade. Exit 0 when done, 78 on bad configuration.
import { loadConfigOrExit } from '../config.js';
import { openDatabase } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { grantRuntimeRole, runtimeRoleOf } from '../db/roles.js';

const config = loadConfigOrExit();
if (!config.DATABASE_URL || !config.DATABASE_MIGRATION_URL) {
  process.stderr.write(
    'db:roles needs DATABASE_MIGRATION_URL (the owner) and DATABASE_URL (the runtime role)\n',
  );
  process.exit(78);
}
const role = runtimeRoleOf(config.DATABASE_URL);
const owner = await openDatabase({ url: config.DATABASE_MIGRATION_URL, poolSize: 1 });
try {
  if (owner.kind !== 'postgres') throw new Error('unreachable: a URL opens PostgreSQL');
  await migrateDatabase(owner);
  const client = await owner.pool.connect();
  try {
    await grantRuntimeRole(client, role);
  } finally {
    client.release();
  }
  process.stdout.write(`runtime role "${role.name}" granted its privileges\n`);
} finally {
  await owner.close();
}
