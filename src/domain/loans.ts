// Checkout and check-in. A returned loan loses its patron link at once unless the patron keeps
// history (regulation 11) or a fine on it is still open (it then waits for retention).
import { z } from 'zod';
import type { LoanRow } from '../db/schema/loans.sql.js';
import type { ListScope } from '../authz/policy/access-control.js';
import { badInput, conflict, notFound } from './errors.js';
import type { Repositories, Transact } from '../repositories/repositories.js';
import {
  decodeCursor,
  pageSize,
  toPage,
  type Page,
  type PageArgs,
} from '../repositories/paging.js';
import { ageBand } from './age-band.js';
import { newId } from './ids.js';
import * as v from './validation.js';

const DAY = 86_400_000;
const DEFAULT_LOAN_DAYS = 21;
const MAX_LOAN_DAYS = 90;

const checkOutInput = z.object({
  patronId: v.id,
  itemId: v.text(100),
  itemType: v.text(40),
  branch: v.text(40),
  dueAt: z.coerce.date().nullable().optional(),
});

export interface CheckInOutcome {
  loan: LoanRow;
  returnedAt: Date;
  anonymised: boolean;
}

export class LoanService {
  constructor(
    private readonly repos: Repositories,
    private readonly transact: Transact,
    private readonly now: () => Date,
  ) {}

  loan(id: string): Promise<LoanRow | null> {
    return this.repos.loans.byId.load(id);
  }

  async loansOfPatron(
    patronId: string,
    status: 'ON_LOAN' | 'RETURNED' | null,
    args: PageArgs,
    scope: ListScope,
  ): Promise<Page<LoanRow>> {
    const size = pageSize(args.first);
    // Circulation staff and guardians see current loans only, whatever filter they ask for.
    if (scope.currentOnly && status === 'RETURNED') return toPage([], size);
    const effective = scope.currentOnly ? 'ON_LOAN' : status;
    // A requester sees only loans inside its approved date ranges (scope.ranges).
    const rows = await this.repos.loans.pageOfPatron.load({
      patronId,
      status: effective,
      ranges: scope.ranges,
      size,
      afterId: decodeCursor(args.after),
    });
    return toPage(rows, size);
  }

  async checkOut(input: unknown): Promise<LoanRow> {
    const data = v.parseInput(checkOutInput, input);
    const at = this.now();
    const dueAt = data.dueAt ?? new Date(at.getTime() + DEFAULT_LOAN_DAYS * DAY);
    if (dueAt <= at || dueAt.getTime() > at.getTime() + MAX_LOAN_DAYS * DAY) {
      throw badInput(
        `Invalid input at dueAt: must be in the future and within ${MAX_LOAN_DAYS} days.`,
        'dueAt',
      );
    }
    return this.transact(async (r) => {
      const patron = await r.patrons.byId.load(data.patronId);
      if (!patron) throw notFound('Patron');
      if (patron.status !== 'ACTIVE')
        throw conflict('The patron may not borrow: the card is not active.');
      if (patron.cardExpiresOn < at.toISOString().slice(0, 10))
        throw conflict('The patron may not borrow: the card has expired.');
      if (await r.loans.isOut(data.itemId)) throw conflict('The item is already on loan.');
      return r.loans.insert({
        id: newId('loan'),
        patronId: patron.id,
        itemId: data.itemId,
        itemType: data.itemType,
        branch: data.branch,
        checkedOutAt: at,
        dueAt,
        patronAgeBand: ageBand(patron.birthDate, at),
      });
    });
  }

  async checkIn(loanId: string): Promise<CheckInOutcome> {
    const id = v.parseInput(v.id, loanId);
    const at = this.now();
    const loan = await this.transact(async (r) => {
      const current = await r.loans.byId.load(id);
      if (!current) throw notFound('Loan');
      if (current.returnedAt) throw conflict('The loan has already been checked in.');
      const patron = current.patronId ? await r.patrons.byId.load(current.patronId) : null;
      const anonymise = !patron?.keepCheckoutHistory && !(await r.fines.hasOpenFineForLoan(id));
      const returned = await r.loans.markReturned(id, at, anonymise);
      if (!returned) throw conflict('The loan has already been checked in.');
      return returned;
    });
    this.repos.loans.byId.clear(id).prime(id, loan);
    return { loan, returnedAt: loan.returnedAt!, anonymised: loan.patronId === null };
  }
}
