// SQL for patrons. Lookups by key go through per-request DataLoaders (one query per batch).
import DataLoader from 'dataloader';
import { and, asc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import { isWellFormedId } from '../domain/ids.js';
import type { Db } from '../db/client.js';
import { patrons, type PatronRow } from '../db/schema/patrons.sql.js';

export type NewPatron = typeof patrons.$inferInsert;
export type PatronChanges = Partial<Omit<NewPatron, 'id' | 'cardNumber' | 'registeredAt'>>;

export interface PatronSearchCriteria {
  namePrefix?: string | null;
  email?: string | null;
  status?: PatronRow['status'] | null;
}

export class PatronRepository {
  constructor(private readonly db: Db) {}

  readonly byId = new DataLoader<string, PatronRow | null>(async (ids) => {
    const rows = await this.db
      .select()
      .from(patrons)
      // An id no id looks like (a NUL byte in an `_entities` representation) matches nothing and is
      // never sent: PostgreSQL would refuse the statement for every id of the batch.
      .where(inArray(patrons.id, ids.filter(isWellFormedId)));
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });

  async byCardNumber(cardNumber: string): Promise<PatronRow | null> {
    const [row] = await this.db.select().from(patrons).where(eq(patrons.cardNumber, cardNumber));
    if (row) this.byId.prime(row.id, row);
    return row ?? null;
  }

  /** Ordered by (name, id); `afterId` continues after that patron. Fetches size + 1 rows. */
  async search(
    c: PatronSearchCriteria,
    size: number,
    afterId: string | null,
  ): Promise<PatronRow[]> {
    const filters: (SQL | undefined)[] = [
      c.namePrefix ? ilike(patrons.name, `${escapeLike(c.namePrefix)}%`) : undefined,
      c.email ? eq(sql`lower(${patrons.email})`, c.email.toLowerCase()) : undefined,
      c.status ? eq(patrons.status, c.status) : undefined,
      afterId
        ? sql`(${patrons.name}, ${patrons.id}) > (select name, id from patrons where id = ${afterId})`
        : undefined,
    ];
    const rows = await this.db
      .select()
      .from(patrons)
      .where(and(...filters))
      .orderBy(asc(patrons.name), asc(patrons.id))
      .limit(size + 1);
    for (const r of rows) this.byId.prime(r.id, r);
    return rows;
  }

  async insert(row: NewPatron): Promise<PatronRow> {
    const [created] = await this.db.insert(patrons).values(row).returning();
    return created!;
  }

  async update(id: string, changes: PatronChanges): Promise<PatronRow | null> {
    const [row] = await this.db
      .update(patrons)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(patrons.id, id))
      .returning();
    this.byId.clear(id);
    return row ?? null;
  }
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
