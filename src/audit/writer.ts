// Makes a request's audit decisions durable: at most one statement (audit_append_rows) per request,
// whatever the number of fields or patrons, shared with the requests that finished at the same
// time, appended to this writer's own chain (no lock shared with other processes); and now and then
// a signed checkpoint of every chain's head. A patron's first request of the month in this process
// costs one statement more, for the pseudonym (audit_subject_pseudonyms).
import { createHash, randomBytes } from 'node:crypto';
import { Kind, print, visit, type DocumentNode } from 'graphql';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { AuditRow, RequestFacts } from './buffer.js';
import { checkpointHeads } from './checkpoints.js';
import type { CheckpointKey } from './heads.js';
import { PseudonymCache, pseudonymsFor } from './pseudonyms.js';
import { queryRows } from '../db/query-rows.js';
import { requestOf, wireRows, type RequestActor, type WireRequest } from './wire.js';
import type { Witness } from './witness.js';

/** Who acted: a request's context, or the retention job under the system principal. */
export interface AuditActor extends RequestActor {
  now: () => Date;
}

export type { RequestFacts };

export interface AuditWriterOptions {
  /** Sign a checkpoint once the chain has grown this many rows since this process's last one. */
  checkpointEvery: number;
  /** And at least this often while rows arrive (milliseconds; 0 = never on a timer). */
  checkpointIntervalMs: number;
  /** Where each signed head is published before its checkpoint row is written (none: database only). */
  witnesses?: readonly Witness[];
  /**
   * Names this writer's chain (audit_chains.name). Default: a random id per process, so every
   * process, and every restart, has a chain of its own.
   */
  writerId?: string | undefined;
}

/** A position of this writer's chain (committed). */
export interface ChainPosition {
  seq: number;
  hash: string;
}

/** Requests per append statement at most (a 100-patron page is about 9 KB of JSON). */
const MAX_BATCH = 64;

export class AuditWriter {
  /** Append and checkpoint statements this writer sent (tests check the round-trip bound). */
  readonly stats = { appends: 0, checkpoints: 0 };
  private lastCheckpointSeq = 0;
  private head: ChainPosition | null = null;
  private pending: Promise<void> = Promise.resolve();
  private checkpointQueued = false;
  private timer: NodeJS.Timeout | null = null;
  /** Requests waiting for the append in flight to finish. */
  private queue: { request: WireRequest; resolve: () => void; reject: (err: unknown) => void }[] =
    [];
  /** Pseudonyms this database handed out, per (patron, key period), while its key epoch holds. */
  private readonly pseudonyms = new PseudonymCache();
  /** The append loop, while it runs. */
  private flushing: Promise<void> | null = null;
  /** This writer's chain id, once registered (audit_open_chain). */
  private chain: Promise<number> | null = null;
  readonly writerId: string;

  constructor(
    private readonly db: Db,
    private readonly key: CheckpointKey,
    private readonly logger: Logger,
    private readonly options: AuditWriterOptions,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.writerId = options.writerId ?? `w-${randomBytes(8).toString('hex')}`;
    if (options.checkpointIntervalMs > 0) {
      this.timer = setInterval(() => this.checkpointNow(), options.checkpointIntervalMs);
      this.timer.unref();
    }
  }

  /**
   * Appends the request's decisions; resolves once they are durable, throws if they cannot be.
   * Requests that finish while an append is in flight wait and go together in the next one (group
   * commit): one statement, one lock and one commit for all of them, instead of every request of
   * the process queueing on its chain's lock for its own.
   */
  append(ctx: AuditActor, facts: RequestFacts, rows: readonly AuditRow[]): Promise<void> {
    if (!rows.length) return Promise.resolve();
    const request = requestOf(ctx, facts, ctx.now().getTime(), rows);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.flushing) this.flushing = this.flush();
    });
  }

  /**
   * Appends inside the caller's transaction (a mutation: its decision and its write commit
   * together or not at all). This writer's chain lock is taken here and held until that transaction ends,
   * so call it last, just before the commit. Returns the position to pass to noteHead once the
   * transaction has committed.
   */
  async appendWithin(
    tx: Db,
    ctx: AuditActor,
    facts: RequestFacts,
    rows: readonly AuditRow[],
  ): Promise<ChainPosition | null> {
    if (!rows.length) return null;
    // Not registered yet (a mutation is this process's first audited request): register through
    // the caller's transaction, since the embedded database's one connection is held by it; not
    // remembered, as the transaction may yet roll back (the next append registers it for good).
    const chain = this.chain ? await this.chain : await openChain(tx, this.writerId);
    // No cache: keys made here roll back with the transaction, and a stale pseudonym refused here
    // would cost the mutation, not a retry.
    const request = requestOf(ctx, facts, ctx.now().getTime(), rows);
    return this.appendRequests(tx, chain, [request], null);
  }

  /** Registers this writer's chain on first use (again after a failure: the database may be back). */
  private chainId(): Promise<number> {
    this.chain ??= openChain(this.db, this.writerId).then(
      (id) => id,
      (err: unknown) => {
        this.chain = null;
        throw err;
      },
    );
    return this.chain;
  }

  /** Sends the queued requests, in batches, until none is left; one statement in flight at a time. */
  private async flush(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.appendBatch(batch);
        } catch (err) {
          if (batch.length > 1 && isDataError(err)) {
            // One request's value the database refuses (22xxx: a NUL byte in jsonb, say) must not
            // cost its neighbours their rows: nothing was written, so each goes again on its own.
            for (const q of batch) await this.appendBatch([q]).catch((e: unknown) => q.reject(e));
            continue;
          }
          // Fail closed: none of these requests' responses may leave.
          for (const q of batch) q.reject(err);
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  /** One statement for these requests; each resolves once it is durable. Throws if it is not. */
  private async appendBatch(batch: typeof this.queue): Promise<void> {
    const chain = await this.chainId();
    const requests = batch.map((q) => q.request);
    const head = await this.appendRequests(this.db, chain, requests, this.pseudonyms).catch(
      (err: unknown) => {
        if (codeOf(err) !== STALE_PSEUDONYMS) throw err;
        // Keys were destroyed since the cache was filled: forget it and ask again.
        this.pseudonyms.forget();
        return this.appendRequests(this.db, chain, requests, this.pseudonyms);
      },
    );
    for (const q of batch) q.resolve();
    this.noteHead(head);
  }

  /** The requests' rows, pseudonymised, appended in one statement; the chain's new head. */
  private async appendRequests(
    db: Db,
    chain: number,
    requests: readonly WireRequest[],
    cache: PseudonymCache | null,
  ): Promise<ChainPosition> {
    const names = await pseudonymsFor(db, requests, cache);
    const rows = requests.flatMap((r) => wireRows(r, names.at(r.atMs)));
    this.stats.appends++;
    const [head] = await queryRows<{ last_seq: string | number; last_hash: string }>(
      db,
      sql`select last_seq, last_hash from audit_append_rows(${chain}::integer, ${names.epoch}::bigint, ${JSON.stringify(rows)}::jsonb)`,
    );
    return { seq: Number(head!.last_seq), hash: head!.last_hash };
  }

  /**
   * A committed position of the chain: the next checkpoint covers it. The append loop calls it, and
   * so does a mutation once the transaction that appended its rows has committed (never before: a
   * head that was rolled back would be a head the database never reaches).
   */
  noteHead(position: ChainPosition): void {
    if (!this.head || position.seq > this.head.seq) this.head = position;
    if (this.head.seq - this.lastCheckpointSeq >= this.options.checkpointEvery)
      void this.checkpointNow();
  }

  /**
   * Signs every chain's committed head at once (this writer's latest among them), publishes it to
   * every witness, and only then writes its checkpoint row: a head counts once it is outside the
   * database. Queued, never two at once; a queued call signs whatever heads are latest when its
   * turn comes. A failure is logged and the heads stay unwitnessed, so the next call tries again.
   */
  checkpointNow(): Promise<void> {
    if (!this.head || this.head.seq <= this.lastCheckpointSeq || this.checkpointQueued)
      return this.pending;
    this.checkpointQueued = true;
    this.pending = this.pending
      .then(async () => {
        this.checkpointQueued = false;
        const head = this.head;
        if (!head || head.seq <= this.lastCheckpointSeq) return;
        const witnesses = (this.options.witnesses ?? []).map((w) => ({
          name: w.name,
          publish: (h: Parameters<Witness['publish']>[0]) =>
            w.publish(h).catch((err: unknown) => {
              throw new WitnessError(w.name, err);
            }),
          heads: () => w.heads(),
        }));
        this.stats.checkpoints++;
        await checkpointHeads(this.db, this.key, this.now(), witnesses);
        this.lastCheckpointSeq = head.seq;
      })
      .catch((err: unknown) => {
        this.checkpointQueued = false;
        this.logger.error(
          err instanceof WitnessError
            ? { witness: err.witness, err: { type: err.causeType } }
            : { err: { type: (err as Error)?.constructor?.name } },
          err instanceof WitnessError ? 'audit head not witnessed' : 'audit checkpoint failed',
        );
      });
    return this.pending;
  }

  /** On shutdown: the queued appends, a last checkpoint of the heads (so a truncated tail is detectable), then stop. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flushing;
    await this.checkpointNow();
  }
}

/** The SQLSTATE of rows carrying pseudonyms of an earlier key epoch (drizzle/0016). */
const STALE_PSEUDONYMS = 'PRK01';

/** A witness refused a head: carries the witness's name and the error's class, nothing else. */
class WitnessError extends Error {
  override name = 'WitnessError';
  readonly causeType: string | undefined;
  constructor(
    readonly witness: string,
    cause: unknown,
  ) {
    super(`witness ${witness} did not take the head`);
    this.causeType = (cause as Error)?.constructor?.name;
  }
}

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** PostgreSQL's class 22, data exception: a value refused, not a database that is down. */
function isDataError(err: unknown): boolean {
  return codeOf(err)?.startsWith('22') ?? false;
}

const documentHashes = new Map<string, string>();

/**
 * sha256 of the operation with every string and number literal blanked: it identifies the
 * operation's shape without being a guessable hash of a card number typed into the query.
 * Memoised by Apollo's hash of the query text (bounded).
 */
export function documentHash(
  document: DocumentNode | undefined,
  queryHash: string | undefined,
): string | null {
  if (!document) return null;
  const cached = queryHash ? documentHashes.get(queryHash) : undefined;
  if (cached) return cached;
  const blanked = visit(document, {
    StringValue: () => ({ kind: Kind.STRING, value: '' }),
    IntValue: () => ({ kind: Kind.INT, value: '0' }),
    FloatValue: () => ({ kind: Kind.FLOAT, value: '0' }),
  });
  const hash = createHash('sha256').update(print(blanked)).digest('hex');
  if (queryHash) {
    if (documentHashes.size >= 1000) documentHashes.clear();
    documentHashes.set(queryHash, hash);
  }
  return hash;
}

/** The id of the chain named `writerId`, registered if it is new (audit_open_chain is idempotent). */
async function openChain(db: Db, writerId: string): Promise<number> {
  const [row] = await queryRows<{ id: number }>(
    db,
    sql`select audit_open_chain(${writerId}) as id`,
  );
  return Number(row!.id);
}
