// Makes a request's audit rows durable: one statement (audit_append) per request, whatever the
// number of fields, and now and then a signed checkpoint of the chain's head.
import { createHash } from 'node:crypto';
import { Kind, print, visit, type DocumentNode } from 'graphql';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import { isStaff } from '../auth/principal.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { AuditRow } from './buffer.js';
import { writeCheckpoint, type CheckpointKey } from './checkpoints.js';
import { queryRows } from './sql.js';

/** What the request adds to each row: who asked, why, and what operation. */
/** Who acted: a request's context, or the retention job under the system principal. */
export type AuditActor = Pick<GraphQLContext, 'principal' | 'requestId' | 'purpose' | 'viaRouter' | 'now'>;

export interface RequestFacts {
  operationName: string | null;
  documentHash: string | null;
}

export interface AuditWriterOptions {
  /** Sign a checkpoint once the chain has grown this many rows since this process's last one. */
  checkpointEvery: number;
  /** And at least this often while rows arrive (milliseconds; 0 = never on a timer). */
  checkpointIntervalMs: number;
}

export class AuditWriter {
  /** Statements this writer sent (tests check the round-trip bound). */
  readonly stats = { appends: 0, checkpoints: 0 };
  private lastCheckpointSeq = 0;
  private head: { seq: number; hash: string } | null = null;
  private pending: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly key: CheckpointKey,
    private readonly logger: Logger,
    private readonly options: AuditWriterOptions,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (options.checkpointIntervalMs > 0) {
      this.timer = setInterval(() => this.checkpointNow(), options.checkpointIntervalMs);
      this.timer.unref();
    }
  }

  /** Appends the request's rows in one round trip; throws if they are not durable. */
  async append(ctx: AuditActor, facts: RequestFacts, rows: readonly AuditRow[]): Promise<void> {
    if (!rows.length) return;
    const p = ctx.principal;
    // A patron principal is stored as a pseudonym (like a subject); staff, requesters and vendors by id.
    const principalPatron = p.patronId && !isStaff(p) ? p.patronId : null;
    const common = {
      atMs: ctx.now().getTime(),
      requestId: ctx.requestId,
      operationName: facts.operationName,
      documentHash: facts.documentHash,
      principalKind: p.kind,
      principalId: principalPatron ? null : p.id,
      principalPatron,
      principalRoles: [...p.roles].sort(),
      purpose: ctx.purpose,
      viaRouter: ctx.viaRouter,
    };
    // Resolution order depends on I/O timing; a fixed order makes the same request log the same rows.
    const batch = [...rows].sort(byRowOrder).map((r) => ({
      ...common,
      subject: r.subjectId,
      typeName: r.typeName,
      fields: [...r.fields].sort(),
      category: r.category,
      outcome: r.outcome,
      basis: r.basis,
      basisRef: r.basisRef,
      rule: r.rule,
    }));
    this.stats.appends++;
    const [head] = await queryRows<{ last_seq: string | number; last_hash: string }>(
      this.db,
      sql`select last_seq, last_hash from audit_append(${JSON.stringify(batch)}::jsonb)`,
    );
    // Concurrent requests of this process may finish out of order: keep the highest head, or the
    // final checkpoint would sign an earlier row and leave the tail unsigned.
    const seq = Number(head!.last_seq);
    if (!this.head || seq > this.head.seq) this.head = { seq, hash: head!.last_hash };
    if (this.head.seq - this.lastCheckpointSeq >= this.options.checkpointEvery) this.checkpointNow();
  }

  /** Signs the last head this process wrote (queued: never two checkpoint writes at once). */
  checkpointNow(): Promise<void> {
    const head = this.head;
    if (!head || head.seq <= this.lastCheckpointSeq) return this.pending;
    this.lastCheckpointSeq = head.seq;
    this.pending = this.pending
      .then(() => {
        this.stats.checkpoints++;
        return writeCheckpoint(this.db, this.key, head.seq, head.hash, this.now());
      })
      .catch((err: unknown) => this.logger.error({ err: { type: (err as Error)?.constructor?.name } }, 'audit checkpoint failed'));
    return this.pending;
  }

  /** On shutdown: a last checkpoint of the head (so a truncated tail is detectable), then stop. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.checkpointNow();
  }
}

function byRowOrder(a: AuditRow, b: AuditRow): number {
  const ka = `${a.typeName}|${a.category}|${a.outcome}|${a.subjectId}|${a.basis}|${a.basisRef}|${a.rule}`;
  const kb = `${b.typeName}|${b.category}|${b.outcome}|${b.subjectId}|${b.basis}|${b.basisRef}|${b.rule}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

const documentHashes = new Map<string, string>();

/**
 * sha256 of the operation with every string and number literal blanked: it identifies the
 * operation's shape without being a guessable hash of a card number typed into the query.
 * Memoised by Apollo's hash of the query text (bounded).
 */
export function documentHash(document: DocumentNode | undefined, queryHash: string | undefined): string | null {
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
