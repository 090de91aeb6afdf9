// npm run audit:verify: proves every chain of the audit log intact against the signed heads and,
// when a witness is configured (AUDIT_WITNESS_DIR), against every head it holds; or prints the
// chain and its first bad sequence number. Exit code 0 when intact, 1 when not, 78 on bad configuration.
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
    const signed = result.checkpoints ? `${result.checkpoints} signed heads` : 'no checkpoint yet';
    const dropped = result.droppedRows
      ? `, ${result.droppedRows} rows dropped by retention under signed records`
      : '';
    const witnessed = !witnesses.length
      ? 'no witness configured (AUDIT_WITNESS_DIR): a rollback of the database cannot be seen'
      : result.witnessedHeads
        ? `${result.witnessedHeads} witnessed heads`
        : 'no witnessed head yet';
    process.stdout.write(
      `audit log intact: ${result.events} events in ${result.chains} chains${dropped}, ${signed}; ${witnessed}\n`,
    );
  } else {
    process.stdout.write(
      `audit log NOT intact: chain ${result.chain}, first bad sequence number ${result.firstBadSeq} (${result.reason})\n`,
    );
    process.exitCode = 1;
  }
} finally {
  await database.close();
}
