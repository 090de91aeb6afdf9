// Loads the benchmark dataset: N patrons, each with loans (some current, most returned) and a
// fine for one in ten, generated in SQL so a million loans load in seconds. The demo library is
// loaded first so the benchmark can use its principals (Director, vendor, Ada).
import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';

export interface ScaleOptions {
  patrons: number;
  loansPerPatron: number;
}

/** Patron i of the benchmark set, ids that sort in insertion order. */
export const benchPatronId = (i: number) => `pat_bench${toLetters(i)}`;

function toLetters(n: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  }
  return s;
}

export async function seedScale(db: Db, o: ScaleOptions): Promise<void> {
  // Ids in SQL mirror toLetters(): six base-26 letters.
  const letters = sql.raw(
    Array.from({ length: 6 }, (_, k) => `chr(97 + ((g / ${26 ** (5 - k)}) % 26)::int)`).join(
      ' || ',
    ),
  );
  const batch = 20_000;
  for (let from = 0; from < o.patrons; from += batch) {
    const to = Math.min(o.patrons, from + batch) - 1;
    await db.execute(sql`
      insert into patrons (id, card_number, name, email, phone, address_line1, city, region, postal_code, birth_date, card_expires_on)
      select 'pat_bench' || ${letters}, '27' || lpad(g::text, 12, '0'), 'Bench Patron ' || g, 'bench' || g || '@example.org',
             '+1 785 555 ' || lpad((g % 10000)::text, 4, '0'), g || ' Main St', 'Manhattan', 'KS', '66502',
             date '1950-01-01' + (g % 25000), date '2099-01-01'
      from generate_series(${from}::int, ${to}::int) g`);
    await db.execute(sql`
      insert into loans (id, patron_id, item_id, item_type, branch, checked_out_at, due_at, returned_at)
      select 'loan_bench' || ${letters} || chr(97 + n), 'pat_bench' || ${letters}, 'item_' || ((g * 7 + n) % 50000),
             (array['book','dvd','audiobook','cd'])[1 + (g + n) % 4], (array['MAIN','EAST','WEST'])[1 + g % 3],
             now() - (n * 9 + 1) * interval '1 day', now() - (n * 9 - 20) * interval '1 day',
             case when n < 2 then null else now() - (n * 9 - 5) * interval '1 day' end
      from generate_series(${from}::int, ${to}::int) g cross join generate_series(0, ${o.loansPerPatron - 1}::int) n`);
    await db.execute(sql`
      insert into fines (id, patron_id, amount_cents, reason, assessed_at)
      select 'fine_bench' || ${letters}, 'pat_bench' || ${letters}, 100 + g % 900, 'Overdue item', now() - (g % 30) * interval '1 day'
      from generate_series(${from}::int, ${to}::int) g where g % 10 = 0`);
  }
  await db.execute(sql`analyze`);
}
