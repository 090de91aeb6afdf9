// Witnesses keep the log's signed heads outside the database, so that whoever controls the
// database (a superuser, a restored backup) cannot roll the log back, wipe it or fork it unseen:
// every later state must still reach every head a witness holds. The writer publishes through this
// interface only; an HTTP witness or an object store with a retention lock is one more class.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { chainHead, parseHead, type SignedHead } from './heads.js';

export interface Witness {
  /** Names the witness in logs and in the verifier's report (never a secret). */
  readonly name: string;
  /** Resolves once the head is durable at the witness; a head already held is not an error. */
  publish(head: SignedHead): Promise<void>;
  /** Every head the witness holds (unreadable entries as `invalid`, for the verifier to report). */
  heads(): Promise<{ heads: SignedHead[]; invalid: string[] }>;
}

export class WitnessConflictError extends Error {
  override name = 'WitnessConflictError';
}

/**
 * An append-only directory: one read-only file per head, fsync'd (with the directory) before
 * publish resolves, never rewritten. Put it on other storage than the database, or ship it
 * elsewhere (rsync, object storage with a retention lock): the files are small and self-verifying.
 */
export class DirectoryWitness implements Witness {
  readonly name: string;

  constructor(private readonly dir: string) {
    this.name = `directory:${dir}`;
  }

  async publish(head: SignedHead): Promise<void> {
    // A head of one chain is that chain's position: its file is named by it, and another head at
    // the same position must agree (a fork is refused). A head of several chains (a checkpoint of
    // every writer) or a drop record is named by its signature: the same head is the same file.
    const one = head.heads.length === 1 && !head.dropped ? head.heads[0]! : null;
    if (!one && !head.heads.length && !head.dropped) throw new Error('a head without a chain');
    mkdirSync(this.dir, { recursive: true });
    const name = one
      ? fileName(one.chain, one.seq)
      : `heads-${String(head.signedAtMs).padStart(16, '0')}-${head.signature.slice(0, 16)}.json`;
    const file = join(this.dir, name);
    // Written whole under a temporary name, then linked to its final name: link() fails if that
    // name exists, so a head appears complete or not at all, and never replaces another.
    const tmp = join(this.dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const fd = openSync(tmp, 'wx', 0o444);
    try {
      writeSync(fd, `${JSON.stringify(head)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Another replica (or an earlier attempt) witnessed this position: it must be the same chain.
      const held = parseHead(readFileSync(file, 'utf8'));
      const same = one
        ? held && chainHead(held, one.chain)?.hash === one.hash
        : held?.signature === head.signature;
      if (!same)
        throw new WitnessConflictError(
          one
            ? `the witness holds another head at seq ${one.seq}`
            : `the witness holds another ${name}`,
        );
    } finally {
      unlinkSync(tmp);
    }
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  async heads(): Promise<{ heads: SignedHead[]; invalid: string[] }> {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      // A witness directory that is gone holds no head; the verifier says so.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { heads: [], invalid: [] };
      throw err;
    }
    const heads: SignedHead[] = [];
    const invalid: string[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const head = parseHead(readFileSync(join(this.dir, name), 'utf8'));
      if (head) heads.push(head);
      else invalid.push(name);
    }
    return { heads, invalid };
  }
}

/** Zero-padded, so that a directory listing is in chain order. */
function fileName(chain: string, seq: number): string {
  return `${chain}-${String(seq).padStart(16, '0')}.json`;
}

/** The witnesses configured: none, or the directory of AUDIT_WITNESS_DIR. */
export function witnessesFromConfig(config: { AUDIT_WITNESS_DIR?: string | undefined }): Witness[] {
  return config.AUDIT_WITNESS_DIR ? [new DirectoryWitness(config.AUDIT_WITNESS_DIR)] : [];
}

/**
 * The latest head the witnesses hold (signed last; the privacy console's "log health" shows it), or
 * null when none is witnessed yet. Signatures are the verifier's business.
 */
export async function latestWitnessedHead(
  witnesses: readonly Witness[],
): Promise<(SignedHead & { witness: string }) | null> {
  let latest: (SignedHead & { witness: string }) | null = null;
  for (const w of witnesses) {
    for (const h of (await w.heads()).heads) {
      if (h.dropped) continue;
      if (!latest || h.signedAtMs > latest.signedAtMs) latest = { ...h, witness: w.name };
    }
  }
  return latest;
}
