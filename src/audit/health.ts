// The audit log's health for the privacy console: where the log ends, how many writer chains it
// holds, its newest signed head, the newest witnessed head, and the last verification. Verification walks the whole log, so it runs
// as this replica's background job (one at a time, started when the last result is stale), never
// inside a request's execution timeout; the request answers with the last finished result.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import { parseHead, type CheckpointKey, type SignedHead } from './heads.js';
import { queryRows } from '../db/query-rows.js';
import { verifyAuditLog } from './verify.js';
import { latestWitnessedHead, type Witness } from './witness.js';

export interface VerificationReport {
  finishedAt: Date;
  durationMs: number;
  /** null when the verification itself could not run (the database unreachable, say). */
  intact: boolean | null;
  events: number | null;
  chains: number | null;
  badChain: string | null;
  firstBadSeq: number | null;
  reason: string | null;
}

export interface AuditLogHealthNode {
  headSeq: number;
  chains: number;
  lastCheckpointRows: number | null;
  lastCheckpointAt: Date | null;
  witnesses: number;
  lastWitnessedRows: number | null;
  lastWitnessedAt: Date | null;
  lastVerification: VerificationReport | null;
  verificationRunning: boolean;
}

/** Rows a signed head vouches for: every chain's position, added up. */
const rowsOf = (head: SignedHead) => head.heads.reduce((n, c) => n + c.seq, 0);

/**
 * Where the log ends, its chains, its newest signed head (an earlier release's checkpoint when no
 * head is signed yet) and the newest witnessed head: cheap reads, no walk of the log.
 */
export async function logState(
  db: Db,
  witnesses: readonly Witness[],
): Promise<Omit<AuditLogHealthNode, 'lastVerification' | 'verificationRunning'>> {
  const [state] = await queryRows<{
    head_seq: string | number | null;
    chains: string | number | null;
    head: string | null;
    checkpoint_seq: string | number | null;
    checkpoint_at: string | number | null;
  }>(
    db,
    sql`select (select max(seq) from audit_events) as head_seq,
      (select count(*) from audit_chains c
        where exists (select 1 from audit_events e where e.chain = c.id)) as chains,
      h.head, c.seq as checkpoint_seq, c.signed_at_ms as checkpoint_at
    from (select 1) one
    left join lateral (select head from audit_heads order by id desc limit 1) h on true
    left join lateral (
      select seq, signed_at_ms from audit_checkpoints order by seq desc limit 1) c on true`,
  );
  const signed = state?.head ? parseHead(state.head) : null;
  const witnessed = await latestWitnessedHead(witnesses);
  const num = (v: string | number | null | undefined) => (v == null ? null : Number(v));
  const checkpointAt = signed ? signed.signedAtMs : num(state?.checkpoint_at);
  return {
    headSeq: num(state?.head_seq) ?? 0,
    chains: num(state?.chains) ?? 0,
    lastCheckpointRows: signed ? rowsOf(signed) : num(state?.checkpoint_seq),
    lastCheckpointAt: checkpointAt === null ? null : new Date(checkpointAt),
    witnesses: witnesses.length,
    lastWitnessedRows: witnessed ? rowsOf(witnessed) : null,
    lastWitnessedAt: witnessed ? new Date(witnessed.signedAtMs) : null,
  };
}

export class AuditHealth {
  private last: VerificationReport | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly key: CheckpointKey,
    private readonly witnesses: readonly Witness[],
    private readonly logger: Logger,
    /** A finished verification older than this is stale: the next health read starts another. */
    private readonly maxAgeMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The health now; starts a background verification when none ran or the last is stale. */
  async read(): Promise<AuditLogHealthNode> {
    const stale =
      !this.last || this.now().getTime() - this.last.finishedAt.getTime() > this.maxAgeMs;
    // The answer is the state when asked: a verification started now is running, not finished,
    // even if it ends (a small log) before the log's state below has been read.
    const lastVerification = this.last;
    if (stale) void this.verifyInBackground();
    const verificationRunning = this.running !== null;
    return { ...(await logState(this.db, this.witnesses)), lastVerification, verificationRunning };
  }

  /** Starts a verification unless one is running; resolves when that one finishes. */
  verifyInBackground(): Promise<void> {
    this.running ??= this.verify().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Waits for a running verification (shutdown: it reads the database that is about to close). */
  async settle(): Promise<void> {
    await this.running;
  }

  private async verify(): Promise<void> {
    const started = performance.now();
    const done = (r: Omit<VerificationReport, 'finishedAt' | 'durationMs'>) => {
      this.last = {
        ...r,
        finishedAt: this.now(),
        durationMs: Math.round(performance.now() - started),
      };
    };
    try {
      const r = await verifyAuditLog(this.db, this.key, this.witnesses);
      done(
        r.intact
          ? {
              intact: true,
              events: r.events,
              chains: r.chains,
              badChain: null,
              firstBadSeq: null,
              reason: null,
            }
          : {
              intact: false,
              events: null,
              chains: null,
              badChain: r.chain,
              firstBadSeq: r.firstBadSeq,
              reason: r.reason,
            },
      );
      this.logger.info({ intact: r.intact }, 'audit log verified');
    } catch (err) {
      // The error's type only: a database error's message may quote parameters.
      this.logger.error({ err: { type: (err as Error)?.name } }, 'audit log verification failed');
      done({
        intact: null,
        events: null,
        chains: null,
        badChain: null,
        firstBadSeq: null,
        reason: 'The verification could not run.',
      });
    }
  }
}
