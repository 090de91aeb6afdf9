// npm run retention -- --dry-run | --confirm (see src/retention/cli.ts).
import { loadConfigOrExit } from '../config.js';
import { openDatabaseOrExit } from './open-database.js';
import { AuditWriter } from '../audit/writer.js';
import { loadCheckpointKey } from '../audit/checkpoints.js';
import { witnessesFromConfig } from '../audit/witness.js';
import { createLogger } from '../logger.js';
import { migrateDatabase } from '../db/migrate.js';
import { USAGE, runRetentionCli } from '../retention/cli.js';

const argv = process.argv.slice(2);
const io = {
  out: (t: string) => void process.stdout.write(t),
  err: (t: string) => void process.stderr.write(t),
};
if (!argv.includes('--dry-run') && !argv.includes('--confirm')) {
  // Refuse before touching any database.
  io.err(USAGE);
  process.exit(64);
}
const config = loadConfigOrExit();
const database = await openDatabaseOrExit({
  url: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  poolSize: 2,
});
// Retention's own actions go to the audit log, signed like the server's (a final checkpoint on close).
const audit = new AuditWriter(
  database.db,
  loadCheckpointKey(config),
  createLogger(config.LOG_LEVEL),
  {
    checkpointEvery: config.AUDIT_CHECKPOINT_EVERY,
    checkpointIntervalMs: 0,
    witnesses: witnessesFromConfig(config),
  },
);
try {
  await migrateDatabase(database);
  process.exitCode = await runRetentionCli(argv, { config, database, audit, now: new Date(), io });
} finally {
  await audit.close();
  await database.close();
}
