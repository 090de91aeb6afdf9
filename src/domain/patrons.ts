// Patron registration and changes. Staff register; the patron may change their own contact
// information and preferences (regulation 11), staff may also change status.
import { mayChangeNameOrStatus } from '../authz/policy/authority.js';
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { PatronRow } from '../db/schema/patrons.sql.js';
import { forbidden, notFound } from './errors.js';
import type { PatronRepository, PatronSearchCriteria } from '../repositories/patrons.js';
import {
  decodeCursor,
  pageSize,
  toPage,
  type Page,
  type PageArgs,
} from '../repositories/paging.js';
import { newId } from './ids.js';
import * as v from './validation.js';

/** Contact fields as staff and the patron themself may change them (null clears one). */
export const contactFields = {
  email: v.email.nullable().optional(),
  phone: v.phone.nullable().optional(),
  addressLine1: v.text(200).nullable().optional(),
  addressLine2: v.text(200).nullable().optional(),
  city: v.text(100).nullable().optional(),
  region: v.text(100).nullable().optional(),
  postalCode: v.postalCode.nullable().optional(),
};

const contact = {
  ...contactFields,
  notifyByEmail: z.boolean().optional(),
  notifyBySms: z.boolean().optional(),
};

const registerInput = z.object({ name: v.text(200), birthDate: v.isoDate, ...contact });
const updateInput = z.object({
  name: v.text(200).optional(),
  status: z.enum(['ACTIVE', 'SUSPENDED', 'EXPIRED']).optional(),
  ...contact,
});
const searchInput = z
  .object({
    namePrefix: v.text(100).nullable().optional(),
    email: v.email.nullable().optional(),
    status: z.enum(['ACTIVE', 'SUSPENDED', 'EXPIRED']).nullable().optional(),
  })
  .refine((s) => s.namePrefix || s.email || s.status, 'give at least one criterion');

/** Years a new card is valid. */
const CARD_YEARS = 3;

export class PatronService {
  constructor(
    private readonly patrons: PatronRepository,
    private readonly now: () => Date,
  ) {}

  get(id: string): Promise<PatronRow | null> {
    return this.patrons.byId.load(id);
  }

  byCardNumber(raw: string): Promise<PatronRow | null> {
    return this.patrons.byCardNumber(v.parseInput(v.cardNumber, raw));
  }

  async search(criteria: PatronSearchCriteria, args: PageArgs): Promise<Page<PatronRow>> {
    const c = v.parseInput(searchInput, criteria);
    const size = pageSize(args.first);
    return toPage(await this.patrons.search(c, size, decodeCursor(args.after)), size);
  }

  async register(input: unknown): Promise<PatronRow> {
    const data = v.parseInput(registerInput, input);
    const today = this.now();
    const expires = new Date(
      Date.UTC(today.getUTCFullYear() + CARD_YEARS, today.getUTCMonth(), today.getUTCDate()),
    );
    return this.patrons.insert({
      ...stripNulls(data),
      id: newId('pat'),
      cardNumber: issueCardNumber(),
      cardExpiresOn: expires.toISOString().slice(0, 10),
      keepCheckoutHistory: false,
    });
  }

  async update(actor: Principal, id: string, input: unknown): Promise<PatronRow> {
    const data = v.parseInput(updateInput, input);
    if ((data.status !== undefined || data.name !== undefined) && !mayChangeNameOrStatus(actor, id))
      throw forbidden();
    const row = await this.patrons.update(v.parseInput(v.id, id), data);
    if (!row) throw notFound('Patron');
    return row;
  }
}

/** A new 14-digit card number with a leading 2 and a mod-10 check digit. */
function issueCardNumber(): string {
  let body = '2';
  for (let i = 0; i < 12; i++) body += randomInt(10).toString();
  for (let check = 0; check < 10; check++) {
    if (v.luhnValid(body + check)) return body + check;
  }
  throw new Error('unreachable: one check digit always satisfies mod 10');
}

function stripNulls<T extends Record<string, unknown>>(
  o: T,
): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(
    Object.entries(o).filter(([, x]) => x !== null && x !== undefined),
  ) as never;
}

/** Under 18 on the given day (children get the same privacy as adults: regulation 14). */
export function isMinor(birthDate: string, on: Date): boolean {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  const month = on.getUTCMonth() + 1;
  const hadBirthday = month > m || (month === m && on.getUTCDate() >= d);
  return on.getUTCFullYear() - y - (hadBirthday ? 0 : 1) < 18;
}
