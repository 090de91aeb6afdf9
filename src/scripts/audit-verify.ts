// npm run audit:verify: proves the audit log intact against the signed checkpoints and, when a
// witness is configured (AUDIT_WITNESS_DIR), against every head it holds; or prints the first bad
// sequence number. Exit code 0 when intact, 1 when not, 78 on bad configuration.
// On the embedded database, stop the server first (PGlite allows one process per data folder).
import { loadConfigOrExit } from '../config.js';
import { openDatabaseOrExit } from './open-database.js';
import { loadCheckpointKey } from '../audit/checkpoints.js';
import { verifyAuditLog } from '../audit/verify.js';
import { witnessesFromConfig } from '../audit/witness.js';

const config = loadConfigOrExit();
const database = await openDatabaseOrExit({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
try {
  const witnesses = witnessesFromConfig(config);
  const result = await verifyAuditLog(database.db, loadCheckpointKey(config), witnesses);
  if (result.intact) {
    const signed =
      result.lastCheckpointSeq === null
        ? 'no checkpoint yet'
        : `last signed checkpoint at seq ${result.lastCheckpointSeq}`;
    const witnessed = !witnesses.length
      ? 'no witness configured (AUDIT_WITNESS_DIR): a rollback of the database cannot be seen'
      : result.lastWitnessedSeq === null
        ? 'no witnessed head yet'
        : `${result.witnessedHeads} witnessed heads, the last at seq ${result.lastWitnessedSeq}`;
    process.stdout.write(
      `audit log intact: ${result.events} events, ${result.checkpoints} checkpoints, ${signed}; ${witnessed}\n`,
    );
  } else {
    process.stdout.write(
      `audit log NOT intact: first bad sequence number ${result.firstBadSeq} (${result.reason})\n`,
    );
    process.exitCode = 1;
  }
} finally {
  await database.close();
}
