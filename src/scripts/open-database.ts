// The command-line tools' way into the database: a data folder held by a running server is a
// one-line refusal (exit 75, "try again later"), not a stack trace.
import { openDatabase, type Database, type DatabaseOptions } from '../db/client.js';
import { DataDirInUseError, EXIT_DATA_DIR_IN_USE } from '../db/data-dir-lock.js';

export async function openDatabaseOrExit(options: DatabaseOptions): Promise<Database> {
  try {
    return await openDatabase(options);
  } catch (err) {
    if (!(err instanceof DataDirInUseError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(EXIT_DATA_DIR_IN_USE);
  }
}
