// The writer's cache of pseudonyms, per (patron, key period): a request whose patrons are all known
// is sent as pseudonyms, and the database skips looking up every key. The database hands the
// pseudonyms out (audit_append_requests, drizzle/0015) with its key epoch, which moves whenever
// keys are destroyed (retention's crypto-shredding): a request cached under an older epoch is
// refused, and the writer forgets everything and sends patron ids again. So a destroyed key's
// pseudonym is never written after its destruction, and the cache never outlives a key.

/** Key periods are calendar months in UTC (audit_pending_rows). */
function periodOf(atMs: number): number {
  const d = new Date(atMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Entries kept at most (a patron id and a 64-character pseudonym each): about 20 MB. */
const MAX_ENTRIES = 100_000;

export class PseudonymCache {
  private epoch: number | null = null;
  private periods = new Map<number, Map<string, string>>();
  private size = 0;

  /** What the database answered with an append: its epoch and the pseudonyms it looked up. */
  learn(epoch: number, byPeriod: Record<string, Record<string, string>>): void {
    if (this.epoch !== epoch) this.forget();
    this.epoch = epoch;
    for (const [period, names] of Object.entries(byPeriod)) {
      let map = this.periods.get(Number(period));
      if (!map) {
        // Only the two latest periods matter: requests are made now.
        if (this.periods.size >= 2) {
          const oldest = Math.min(...this.periods.keys());
          this.size -= this.periods.get(oldest)!.size;
          this.periods.delete(oldest);
        }
        this.periods.set(Number(period), (map = new Map()));
      }
      for (const [patron, pseudonym] of Object.entries(names)) {
        if (this.size >= MAX_ENTRIES) return;
        if (!map.has(patron)) this.size++;
        map.set(patron, pseudonym);
      }
    }
  }

  forget(): void {
    this.epoch = null;
    this.periods.clear();
    this.size = 0;
  }

  /**
   * The request with pseudonyms instead of patron ids, when every patron it names is cached for
   * its period; otherwise the request as it is.
   */
  apply<R extends WireRequest>(request: R): R | CachedRequest<R> {
    if (this.epoch === null) return request;
    const names = this.periods.get(periodOf(request.atMs));
    if (!names) return request;
    const pseudonymSets: string[][] = [];
    for (const set of request.subjectSets) {
      const out: string[] = [];
      for (const patron of set) {
        const p = names.get(patron);
        if (p === undefined) return request;
        out.push(p);
      }
      pseudonymSets.push(out);
    }
    let principalPseudonym: string | null = null;
    if (request.principalPatron !== null) {
      const p = names.get(request.principalPatron);
      if (p === undefined) return request;
      principalPseudonym = p;
    }
    // Patron ids do not travel when their pseudonyms do.
    const { subjectSets: _ids, principalPatron, ...rest } = request;
    return {
      ...rest,
      principalPatron: principalPatron === null ? null : true,
      principalPseudonym,
      pseudonymSets,
      keyEpoch: this.epoch,
    } as unknown as CachedRequest<R>;
  }
}

/** The fields of a request the cache reads (writer.ts builds the rest). */
export interface WireRequest {
  atMs: number;
  principalPatron: string | null;
  subjectSets: string[][];
}

export type CachedRequest<R> = Omit<R, 'subjectSets' | 'principalPatron'> & {
  principalPatron: true | null;
  principalPseudonym: string | null;
  pseudonymSets: string[][];
  keyEpoch: number;
};
