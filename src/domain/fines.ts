// Fines: assess, pay in full, waive with a reason. A fine leaves OWED exactly once; a second
// payment or waiver gets CONFLICT and changes nothing.
import { z } from 'zod';
import type { FineRow } from '../db/schema/fines.sql.js';
import type { PaymentNode } from './nodes.js';
import type { ListScope } from '../authz/policy/access-control.js';
import type { Principal } from '../auth/principal.js';
import { badInput, conflict, notFound } from './errors.js';
import type { Repositories, Transact } from '../repositories/repositories.js';
import {
  decodeCursor,
  pageSize,
  toPage,
  type Page,
  type PageArgs,
  type Ranges,
} from '../repositories/paging.js';
import { ageBand } from './age-band.js';
import { newId } from './ids.js';
import * as v from './validation.js';

const assessInput = z.object({
  patronId: v.id,
  loanId: v.id.nullable().optional(),
  amountCents: v.cents,
  reason: v.text(500),
});
const payInput = z.object({
  fineId: v.id,
  amountCents: v.cents,
  processorToken: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'must be a payment processor token'),
  cardLast4: z
    .string()
    .regex(/^\d{4}$/, 'must be exactly four digits')
    .nullable()
    .optional(),
});

export class FineService {
  constructor(
    private readonly repos: Repositories,
    private readonly transact: Transact,
    private readonly now: () => Date,
  ) {}

  fine(id: string): Promise<FineRow | null> {
    return this.repos.fines.byId.load(id);
  }

  async finesOfPatron(
    patronId: string,
    status: FineRow['status'] | null,
    args: PageArgs,
    scope: ListScope,
  ): Promise<Page<FineRow>> {
    const size = pageSize(args.first);
    // A guardian sees owed fines only; a requester only fines assessed inside its approved ranges.
    if (scope.currentOnly && status !== null && status !== 'OWED') return toPage([], size);
    const effective = scope.currentOnly ? 'OWED' : status;
    const key = {
      patronId,
      status: effective,
      ranges: scope.ranges,
      size,
      afterId: decodeCursor(args.after),
    };
    return toPage(await this.repos.fines.pageOfPatron.load(key), size);
  }

  /** A fine's payments; with `ranges` (a requester's approved disclosures), only those paid inside them. */
  async payments(fine: FineRow, ranges: Ranges = null): Promise<PaymentNode[]> {
    const rows = await this.repos.fines.paymentsOf.load(fine.id);
    const inside = (at: Date) =>
      ranges === null || ranges.some((r) => (!r.from || at >= r.from) && (!r.to || at <= r.to));
    return rows.filter((p) => inside(p.paidAt)).map((p) => ({ ...p, patronId: fine.patronId }));
  }

  async assess(input: unknown): Promise<FineRow> {
    const data = v.parseInput(assessInput, input);
    return this.transact(async (r) => {
      const patron = await r.patrons.byId.load(data.patronId);
      if (!patron) throw notFound('Patron');
      const loan = data.loanId ? await r.loans.byId.load(data.loanId) : null;
      if (data.loanId) {
        if (!loan) throw notFound('Loan');
        if (loan.patronId !== patron.id)
          throw badInput('Invalid input at loanId: the loan is not this patron’s.', 'loanId');
      }
      const at = this.now();
      return r.fines.insert({
        id: newId('fine'),
        patronId: patron.id,
        loanId: data.loanId ?? null,
        amountCents: data.amountCents,
        reason: data.reason,
        assessedAt: at,
        branch: loan?.branch ?? null,
        itemType: loan?.itemType ?? null,
        patronAgeBand: ageBand(patron.birthDate, at),
      });
    });
  }

  async pay(actor: Principal, input: unknown): Promise<FineRow> {
    const data = v.parseInput(payInput, input);
    const at = this.now();
    const fine = await this.transact(async (r) => {
      const fine = await r.fines.byId.load(data.fineId);
      if (!fine) throw notFound('Fine');
      if (fine.status !== 'OWED')
        throw conflict(`The fine is already ${fine.status.toLowerCase()}.`);
      if (data.amountCents !== fine.amountCents)
        throw badInput('Invalid input at amountCents: must equal the amount owed.', 'amountCents');
      const closed = await r.fines.close(fine.id, { status: 'PAID', closedAt: at });
      if (!closed) throw conflict('The fine is no longer owed.');
      await r.fines.insertPayment({
        id: newId('pay'),
        fineId: fine.id,
        amountCents: data.amountCents,
        processorToken: data.processorToken,
        cardLast4: data.cardLast4 ?? null,
        paidAt: at,
        receivedBy: actor.id ?? 'unknown',
      });
      return closed;
    });
    this.repos.fines.byId.clear(fine.id).prime(fine.id, fine);
    this.repos.fines.paymentsOf.clear(fine.id);
    return fine;
  }

  async waive(actor: Principal, fineId: string, reason: string): Promise<FineRow> {
    const id = v.parseInput(v.id, fineId);
    const why = v.parseInput(v.text(500), reason);
    const fine = await this.transact(async (r) => {
      const fine = await r.fines.byId.load(id);
      if (!fine) throw notFound('Fine');
      if (fine.status !== 'OWED')
        throw conflict(`The fine is already ${fine.status.toLowerCase()}.`);
      const closed = await r.fines.close(id, {
        status: 'WAIVED',
        closedAt: this.now(),
        waivedBy: actor.id,
        waiverReason: why,
      });
      if (!closed) throw conflict('The fine is no longer owed.');
      return closed;
    });
    this.repos.fines.byId.clear(id).prime(id, fine);
    return fine;
  }
}
