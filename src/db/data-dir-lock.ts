// One process at a time per embedded data folder. PGlite 0.5.17 writes postmaster.pid with the
// fixed pid -42 and never checks it, so a second process (a CLI beside `npm start`, a second
// server) opens a folder that a live one holds; both then write, and rows vanish from sequential
// and index scans alike (docs/embedded-database.md has the reproduction). This lock refuses that.
import { randomBytes } from 'node:crypto';
import {
  linkSync,
  readFileSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'pglite.lock';
/** Exit code of a process refused the folder: EX_TEMPFAIL, try again once the holder stops. */
export const EXIT_DATA_DIR_IN_USE = 75;

interface Holder {
  pid: number;
  hostname: string;
  /** The folder's real path when the lock was taken: a copy or a move carries the old one. */
  dataDir: string;
  token: string;
  since: string;
}

/** What an error tells about the holder (its token stays private). */
export type HolderInfo = Pick<Holder, 'pid' | 'hostname' | 'dataDir' | 'since'>;

export type DataDirInUseReason =
  | 'held' // a live process on this machine holds it
  | 'other-host' // held from another machine (shared volume): its liveness cannot be checked here
  | 'copied' // the folder was copied or moved while a process held it
  | 'unreadable'; // a lock file that is not ours

/** The embedded data folder is held by another process, or was copied while held. */
export class DataDirInUseError extends Error {
  constructor(
    readonly reason: DataDirInUseReason,
    readonly lockFile: string,
    readonly holder: HolderInfo | null,
  ) {
    super(describe(reason, lockFile, holder));
    this.name = 'DataDirInUseError';
  }
}

function describe(reason: DataDirInUseReason, lockFile: string, h: HolderInfo | null): string {
  const accept = `If you are sure no process uses it, delete ${lockFile} and start again.`;
  switch (reason) {
    case 'held':
      return `the embedded database is in use by process ${h!.pid} (since ${h!.since}); stop it first (PGlite allows one process per data folder)`;
    case 'other-host':
      return `the embedded database is held by process ${h!.pid} on host ${h!.hostname}, which cannot be checked from here. ${accept}`;
    case 'copied':
      return `this data folder was copied or moved from ${h!.dataDir} while process ${h!.pid} had it open; such a copy may be inconsistent (back up a stopped server's folder instead). ${accept}`;
    case 'unreadable':
      return `the lock file ${lockFile} is not readable as a lock. ${accept}`;
  }
}

/** Locks held by this process: a second open in the same process is refused too. */
const heldHere = new Set<string>();

export interface DataDirLock {
  release(): void;
}

/** Takes the folder's lock, or throws DataDirInUseError. A lock left by a dead process is taken over. */
export function lockDataDir(dataDir: string): DataDirLock {
  const dir = realpathSync(dataDir);
  const lockFile = join(dir, LOCK_FILE);
  const own: Holder = {
    pid: process.pid,
    hostname: hostname(),
    dataDir: dir,
    token: randomBytes(8).toString('hex'),
    since: new Date().toISOString(),
  };
  if (heldHere.has(lockFile)) throw new DataDirInUseError('held', lockFile, heldLocally(own));
  // Written aside, then linked into place: the lock file never exists without its content.
  const pending = `${lockFile}.${own.token}`;
  writeFileSync(pending, JSON.stringify(own) + '\n', { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (tryLink(pending, lockFile)) {
        heldHere.add(lockFile);
        return { release: () => release(lockFile, own.token) };
      }
      const holder = readHolder(lockFile);
      if (holder === undefined) continue; // released meanwhile
      if (holder === null) throw new DataDirInUseError('unreadable', lockFile, null);
      const refusal = refusalFor(holder, own, lockFile);
      if (refusal) throw refusal;
      takeOver(lockFile, holder);
    }
    // Taken over three times by others while we tried: someone holds it now.
    const last = readHolder(lockFile);
    throw last
      ? new DataDirInUseError('held', lockFile, last)
      : new DataDirInUseError('unreadable', lockFile, null);
  } finally {
    unlinkSync(pending);
  }
}

function heldLocally(own: Holder): Holder {
  return { ...own, since: 'earlier in this process' };
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** The holder, null when the file is not a lock, undefined when it is gone. */
function readHolder(lockFile: string): Holder | null | undefined {
  let text: string;
  try {
    text = readFileSync(lockFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    const valid =
      Number.isInteger(h.pid) &&
      typeof h.hostname === 'string' &&
      typeof h.dataDir === 'string' &&
      typeof h.token === 'string';
    return valid ? (h as Holder) : null;
  } catch (err) {
    if (err instanceof SyntaxError) return null;
    throw err;
  }
}

/** Why the found lock stops us, or null when it is stale (its process is gone). */
function refusalFor(holder: Holder, own: Holder, lockFile: string): DataDirInUseError | null {
  if (holder.dataDir !== own.dataDir) return new DataDirInUseError('copied', lockFile, holder);
  if (holder.hostname !== own.hostname)
    return new DataDirInUseError('other-host', lockFile, holder);
  // Our own pid without a lock held here: a previous run whose pid came round again (containers).
  if (holder.pid !== process.pid && isAlive(holder.pid))
    return new DataDirInUseError('held', lockFile, holder);
  return null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves a stale lock aside. Two processes taking over at once: only one rename finds the file;
 * if what was moved is not the stale lock (a racer's fresh one), it goes back.
 */
function takeOver(lockFile: string, stale: Holder): void {
  const aside = `${lockFile}.stale-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(lockFile, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readHolder(aside);
  if (moved && moved.token !== stale.token) tryLink(aside, lockFile);
  unlinkSync(aside);
}

function release(lockFile: string, token: string): void {
  heldHere.delete(lockFile);
  if (readHolder(lockFile)?.token === token) unlinkSync(lockFile);
}
