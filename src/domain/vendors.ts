// Vendors of subscribed services (regulation 7): the Director's registry, patrons' enrolments, and
// card verification that tells a vendor four things and nothing else about the person.
import { z } from 'zod';
import { recordAccess, type AuditTrail } from '../audit/trail.js';
import { cardDecision } from '../authz/policy/vendor-card.js';
import type { Principal } from '../auth/principal.js';
import { isStaff } from '../auth/principal.js';
import type { VendorEnrolmentRow, VendorRow } from '../db/schema/vendors.sql.js';
import { badInput, cardLocked, conflict, notFound, secondsUntil } from './errors.js';
import type { Repositories } from '../repositories/repositories.js';
import { newId } from './ids.js';
import { hashPin, verifyPin } from './pins.js';
import { vendorPseudonym, type VendorSettings } from './vendor-settings.js';
import * as v from './validation.js';

/** GraphQL scope names ↔ the names in tokens and in the registry. */
const SCOPE_NAMES = { CARD_VERIFY: 'card:verify', CARD_READ: 'card:read' } as const;
export type VendorScopeName = keyof typeof SCOPE_NAMES;
const scopeByToken = new Map(
  Object.entries(SCOPE_NAMES).map(([k, s]) => [s as string, k as VendorScopeName]),
);

export const scopeNames = (stored: readonly string[]): VendorScopeName[] =>
  stored.map((s) => scopeByToken.get(s)).filter((s): s is VendorScopeName => s !== undefined);

const scopes = z
  .array(z.enum(['CARD_VERIFY', 'CARD_READ']))
  .min(1, 'must name at least one scope')
  .transform((list) => [...new Set(list)].map((s) => SCOPE_NAMES[s]));
const createInput = z.object({
  name: v.text(200),
  scopes,
  active: z.boolean().nullable().optional(),
});
const updateInput = z
  .object({
    name: v.text(200).nullable().optional(),
    scopes: scopes.nullable().optional(),
    active: z.boolean().nullable().optional(),
  })
  .refine(
    (c) => c.name != null || c.scopes != null || c.active != null,
    'give at least one field to change',
  );
const verifyInput = z.object({
  cardNumber: v.cardNumber,
  pin: z.string().max(64, 'must be at most 64 characters'),
});

export interface CardVerification {
  cardValid: boolean;
  pinValid: boolean;
  goodStanding: boolean;
  patronPseudonym: string | null;
}

const UNKNOWN_CARD: CardVerification = Object.freeze({
  cardValid: false,
  pinValid: false,
  goodStanding: false,
  patronPseudonym: null,
});
const RULE = 'vendor:verifyCard';
const MINUTE = 60_000;

/** Verified against when there is no card to check, so an unknown card costs the same time as a known one. */
let decoyHash: Promise<string> | null = null;

export class VendorService {
  constructor(
    private readonly repos: Repositories,
    private readonly now: () => Date,
    private readonly settings: VendorSettings,
  ) {}

  vendor(id: string): Promise<VendorRow | null> {
    return this.repos.vendors.byId.load(id);
  }

  /** Staff see the whole registry; patrons the active services they may enrol in. */
  list(actor: Principal): Promise<VendorRow[]> {
    return this.repos.vendors.list(!isStaff(actor));
  }

  async create(input: unknown): Promise<VendorRow> {
    const data = v.parseInput(createInput, input);
    return this.repos.vendors.insert({
      id: newId('ven'),
      name: data.name,
      scopes: data.scopes,
      active: data.active ?? true,
      createdAt: this.now(),
    });
  }

  async update(id: string, input: unknown): Promise<VendorRow> {
    const vendorId = v.parseInput(v.id, id);
    const data = v.parseInput(updateInput, input);
    const row = await this.repos.vendors.update(vendorId, {
      ...(data.name != null ? { name: data.name } : {}),
      ...(data.scopes != null ? { scopes: data.scopes } : {}),
      ...(data.active != null ? { active: data.active } : {}),
    });
    if (!row) throw notFound('Vendor');
    return row;
  }

  enrolmentsOf(patronId: string): Promise<VendorEnrolmentRow[]> {
    return this.repos.vendors.enrolmentsOfPatron.load(patronId);
  }

  /** `patronId` defaults to the calling patron (the rule tree admits only self or the custodian). */
  async enrol(
    actor: Principal,
    vendorId: string,
    patronId: string | null | undefined,
  ): Promise<VendorEnrolmentRow> {
    const { vendor, patron } = await this.target(actor, vendorId, patronId);
    if (!vendor.active) throw conflict('The service is not active.');
    return this.repos.vendors.enrol(newId('enr'), vendor.id, patron, this.now());
  }

  async endEnrolment(
    actor: Principal,
    vendorId: string,
    patronId: string | null | undefined,
  ): Promise<VendorEnrolmentRow> {
    const { vendor, patron } = await this.target(actor, vendorId, patronId);
    const row = await this.repos.vendors.endEnrolment(vendor.id, patron, this.now());
    if (!row) throw notFound('Enrolment');
    return row;
  }

  /**
   * The four answers of regulation 7. An unknown card and a card not enrolled with this vendor get
   * the same answer at the same cost; wrong PINs count per (vendor, card) and lock the card for
   * that vendor. Every call is audited: a grant on basis VENDOR_SCOPE for an enrolled card, a
   * denial otherwise.
   */
  async verifyCard(
    actor: Principal,
    audit: AuditTrail,
    cardNumber: string,
    pin: string,
  ): Promise<CardVerification> {
    const vendorId = actor.vendorId;
    if (!vendorId) throw new Error('verifyCard called for a principal that is not a vendor');
    const data = v.parseInput(verifyInput, { cardNumber, pin });
    const at = this.now();
    const patron = await this.repos.patrons.byCardNumber(data.cardNumber);
    // The enrolment query runs for an unknown card too: same statements, same time, same answer.
    const enrolled = await this.repos.vendors.isEnrolled(vendorId, patron?.id ?? '');
    const decision = cardDecision(vendorId, Boolean(patron && enrolled));
    if (!patron || !decision.granted) {
      await verifyPin(data.pin, await (decoyHash ??= hashPin('decoy-pin')));
      recordAccess(
        audit,
        patron?.id ?? null,
        'CardVerification',
        'cardValid',
        'IDENTITY',
        RULE,
        decision,
      );
      return UNKNOWN_CARD;
    }
    const answered = (...fields: (keyof CardVerification)[]) => {
      for (const f of fields)
        recordAccess(audit, patron.id, 'CardVerification', f, 'IDENTITY', RULE, decision);
    };
    const windowMs = this.settings.lockMinutes * MINUTE;
    const locked = await this.repos.vendors.lockedUntil(vendorId, patron.id);
    if (locked && locked > at) {
      answered('cardValid');
      throw cardLocked(secondsUntil(locked, at));
    }
    if (!(await verifyPin(data.pin, patron.pinHash))) {
      const state = await this.repos.vendors.recordPinFailure(
        vendorId,
        patron.id,
        at,
        this.settings.maxPinAttempts,
        windowMs,
      );
      answered('cardValid', 'pinValid');
      if (state.lockedUntil && state.lockedUntil > at)
        throw cardLocked(secondsUntil(state.lockedUntil, at));
      return { cardValid: true, pinValid: false, goodStanding: false, patronPseudonym: null };
    }
    const lockedMeanwhile = await this.repos.vendors.clearPinFailures(vendorId, patron.id, at);
    if (lockedMeanwhile && lockedMeanwhile > at) {
      answered('cardValid');
      throw cardLocked(secondsUntil(lockedMeanwhile, at));
    }
    const owed = await this.repos.vendors.owedCents(patron.id);
    const today = at.toISOString().slice(0, 10);
    const goodStanding =
      patron.status === 'ACTIVE' &&
      patron.cardExpiresOn >= today &&
      owed < this.settings.fineLimitCents;
    answered('cardValid', 'pinValid', 'goodStanding', 'patronPseudonym');
    return {
      cardValid: true,
      pinValid: true,
      goodStanding,
      patronPseudonym: vendorPseudonym(this.settings.pseudonymKey(), vendorId, patron.id),
    };
  }

  private async target(actor: Principal, vendorId: string, patronId: string | null | undefined) {
    const id = v.parseInput(v.id, vendorId);
    const patron = patronId ? v.parseInput(v.id, patronId) : actor.patronId;
    if (!patron) throw badInput('Invalid input at patronId: name the patron.', 'patronId');
    const [vendor, patronRow] = await Promise.all([
      this.repos.vendors.byId.load(id),
      this.repos.patrons.byId.load(patron),
    ]);
    if (!vendor) throw notFound('Vendor');
    if (!patronRow) throw notFound('Patron');
    return { vendor, patron };
  }
}
