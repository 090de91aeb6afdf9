// The writer's cache of pseudonyms, per (patron, key period): the database hands them out
// (audit_subject_pseudonyms, drizzle/0016) with its key epoch, which moves whenever keys are
// destroyed (retention's crypto-shredding). Rows carrying pseudonyms of an older epoch are refused,
// and the writer forgets everything and asks again. So a destroyed key's pseudonym is never written
// after its destruction, and the cache never outlives a key.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/query-rows.js';
import { patronsOf, type WireRequest } from './wire.js';

/** Key periods are calendar months in UTC (audit_subject_pseudonyms): the period's first instant. */
function periodOf(atMs: number): number {
  const d = new Date(atMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Entries kept at most (a patron id and a 64-character pseudonym each): about 20 MB. */
const MAX_ENTRIES = 100_000;

export class PseudonymCache {
  private currentEpoch: number | null = null;
  private periods = new Map<number, Map<string, string>>();
  private size = 0;

  /** The key epoch of what is cached (null: nothing is). */
  get epoch(): number | null {
    return this.currentEpoch;
  }

  get(period: number, patronId: string): string | undefined {
    return this.periods.get(period)?.get(patronId);
  }

  /** What the database handed out under `epoch`: a new epoch replaces everything cached. */
  learn(epoch: number, period: number, names: ReadonlyMap<string, string>): void {
    if (this.currentEpoch !== epoch) this.forget();
    this.currentEpoch = epoch;
    let map = this.periods.get(period);
    if (!map) {
      // Only the two latest periods matter: requests are made now.
      if (this.periods.size >= 2) {
        const oldest = Math.min(...this.periods.keys());
        this.size -= this.periods.get(oldest)!.size;
        this.periods.delete(oldest);
      }
      this.periods.set(period, (map = new Map()));
    }
    for (const [patron, pseudonym] of names) {
      if (this.size >= MAX_ENTRIES) return;
      if (!map.has(patron)) this.size++;
      map.set(patron, pseudonym);
    }
  }

  forget(): void {
    this.currentEpoch = null;
    this.periods.clear();
    this.size = 0;
  }
}

/** Every patron's pseudonym for its request's month, all handed out under one key epoch. */
export interface BatchPseudonyms {
  /** The epoch the pseudonyms were handed out under; null when none was cached or asked for. */
  epoch: number | null;
  /** The pseudonyms of the month of `atMs` (the month is worked out once, not per patron). */
  at(atMs: number): (patronId: string) => string | undefined;
}

/**
 * The pseudonyms the requests need: from the cache, and from the database (one statement per month)
 * for the patrons it lacks, remembered once asked. With no cache (a mutation's transaction, which
 * may roll back the keys it makes), every patron is asked for and nothing is remembered.
 */
export async function pseudonymsFor(
  db: Db,
  requests: readonly WireRequest[],
  cache: PseudonymCache | null,
): Promise<BatchPseudonyms> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const missing = new Map<number, Set<string>>();
    for (const request of requests) {
      const period = periodOf(request.atMs);
      for (const patron of patronsOf(request)) {
        if (cache?.get(period, patron) !== undefined) continue;
        let set = missing.get(period);
        if (!set) missing.set(period, (set = new Set()));
        set.add(patron);
      }
    }
    let epoch = cache?.epoch ?? null;
    const fetched = new Map<number, Map<string, string>>();
    for (const [period, patrons] of missing) {
      const answer = await lookUp(db, period, [...patrons]);
      // Keys were destroyed since the cache (or the last month asked) was filled.
      if (epoch !== null && answer.epoch !== epoch) break;
      epoch = answer.epoch;
      fetched.set(period, answer.names);
    }
    if (fetched.size < missing.size) {
      cache?.forget();
      continue;
    }
    if (cache && epoch !== null) for (const [p, names] of fetched) cache.learn(epoch, p, names);
    return {
      epoch,
      at: (atMs) => {
        const period = periodOf(atMs);
        const asked = fetched.get(period);
        return (patron) => asked?.get(patron) ?? cache?.get(period, patron);
      },
    };
  }
  throw new Error('audit: the key epoch moved during every pseudonym lookup');
}

/** One month's pseudonyms for these patrons (keys made for those that have none). */
async function lookUp(db: Db, period: number, patronIds: string[]) {
  const [row] = await queryRows<{ key_epoch: string | number; pseudonyms: Record<string, string> }>(
    db,
    sql`select key_epoch, pseudonyms from audit_subject_pseudonyms(${period}::bigint, ${sql.param(patronIds)}::text[])`,
  );
  return { epoch: Number(row!.key_epoch), names: new Map(Object.entries(row!.pseudonyms)) };
}
