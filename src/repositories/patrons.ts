// SQL for patrons. Lookups by key go through per-request DataLoaders (one query per batch).
import { and, asc, eq, ilike, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { patrons, type PatronRow } from '../db/schema/patrons.sql.js';
import { byIdLoader, type ById } from './loaders.js';

export type NewPatron = typeof patrons.$inferInsert;
export type PatronChanges = Partial<Omit<NewPatron, 'id' | 'cardNumber' | 'registeredAt'>>;

export interface PatronSearchCriteria {
  namePrefix?: string | null;
  email?: string | null;
  status?: PatronRow['status'] | null;
}

export class PatronRepository {
  readonly byId: ById<PatronRow>;

  constructor(private readonly db: Db) {
    this.byId = byIdLoader(db, patrons);
  }

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
