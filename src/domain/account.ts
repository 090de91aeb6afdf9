// The patron's own account (regulation 11): contact information, notification preferences, PIN,
// checkout history on/off; and guardian views of a child's record (regulation 14). Who may call
// what is decided by the rule tree (src/authz/shield/rules-account.ts); this file owns the domain rules.
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { GuardianGrantNode } from './nodes.js';
import type { PatronRow } from '../db/schema/patrons.sql.js';
import {
  badInput,
  confirmationRequired,
  conflict,
  notFound,
  pinLocked,
  secondsUntil,
  wrongPin,
} from './errors.js';
import type { Repositories, Transact } from '../repositories/repositories.js';
import { newId } from './ids.js';
import { hashPin, verifyPin } from './pins.js';
import * as v from './validation.js';
import { contactFields } from './patrons.js';
import type { VendorSettings } from './vendor-settings.js';

const contactInput = z
  .object(contactFields)
  .refine(
    (c) => Object.values(c).some((x) => x !== undefined),
    'give at least one field to change',
  );

const preferencesInput = z
  .object({
    notifyByEmail: z.boolean().nullable().optional(),
    notifyBySms: z.boolean().nullable().optional(),
  })
  .refine(
    (c) => c.notifyByEmail != null || c.notifyBySms != null,
    'give at least one preference to change',
  );

const ASCENDING = '01234567890123456789';
const DESCENDING = '98765432109876543210';

/** PIN rules: 4–12 digits, not one repeated digit, not a run of consecutive digits (either way). */
const newPinRule = z
  .string()
  .regex(/^\d{4,12}$/, 'must be 4 to 12 digits')
  .refine((p) => !/^(\d)\1+$/.test(p), 'must not be one repeated digit')
  .refine(
    (p) => !ASCENDING.includes(p) && !DESCENDING.includes(p),
    'must not be a run of consecutive digits',
  );

const pinInput = z.object({
  // Not checked for form: a malformed current PIN is simply a wrong one.
  currentPin: z.string().max(64, 'must be at most 64 characters').nullable().optional(),
  newPin: newPinRule,
});

const grantInput = z.object({
  childId: v.id.nullable().optional(),
  guardianId: v.id,
  categories: z.array(z.enum(['CIRCULATION', 'FINES'])).min(1, 'must name at least one category'),
});

/** Wrong current PINs within `lockMinutes` that lock PIN changes: the vendors' limits (VENDOR_PIN_*). */
export type PinLockSettings = Pick<VendorSettings, 'maxPinAttempts' | 'lockMinutes'>;

export class AccountService {
  constructor(
    private readonly repos: Repositories,
    private readonly transact: Transact,
    private readonly now: () => Date,
    private readonly pinLock: PinLockSettings,
  ) {}

  /** The calling patron's record (null if the token names a patron no longer registered). */
  me(actor: Principal): Promise<PatronRow | null> {
    return this.repos.patrons.byId.load(selfId(actor));
  }

  async updateContact(actor: Principal, input: unknown): Promise<PatronRow> {
    const data = v.parseInput(contactInput, input);
    const current = await this.mine(actor);
    // Notices need somewhere to go: clearing the address they go to needs the notices off first.
    if (data.email === null && current.notifyByEmail)
      throw badInput(
        'Invalid input at email: e-mail notices are on; switch them off first.',
        'email',
      );
    if (data.phone === null && current.notifyBySms)
      throw badInput(
        'Invalid input at phone: text-message notices are on; switch them off first.',
        'phone',
      );
    return this.save(current.id, data);
  }

  async updatePreferences(actor: Principal, input: unknown): Promise<PatronRow> {
    const data = v.parseInput(preferencesInput, input);
    const current = await this.mine(actor);
    if (data.notifyByEmail && !current.email)
      throw badInput(
        'Invalid input at notifyByEmail: needs an e-mail address on file.',
        'notifyByEmail',
      );
    if (data.notifyBySms && !current.phone)
      throw badInput(
        'Invalid input at notifyBySms: needs a telephone number on file.',
        'notifyBySms',
      );
    return this.save(current.id, {
      ...(data.notifyByEmail != null ? { notifyByEmail: data.notifyByEmail } : {}),
      ...(data.notifyBySms != null ? { notifyBySms: data.notifyBySms } : {}),
    });
  }

  /**
   * The current PIN is required once one is set; WRONG_PIN (and no change) when it does not match.
   * Wrong current PINs count like a vendor's (`maxPinAttempts` within `lockMinutes`) and then lock
   * PIN changes with PIN_LOCKED, the right PIN included, without checking it, until the lock ends:
   * a stolen session cannot walk through every PIN.
   */
  async changePin(actor: Principal, input: unknown): Promise<PatronRow> {
    const data = v.parseInput(pinInput, input);
    const current = await this.mine(actor);
    if (current.pinHash) {
      if (!data.currentPin)
        throw badInput('Invalid input at currentPin: the current PIN is required.', 'currentPin');
      const at = this.now();
      const locked = await this.repos.account.pinLockedUntil(current.id);
      if (locked && locked > at) throw pinLocked(secondsUntil(locked, at));
      if (!(await verifyPin(data.currentPin, current.pinHash))) {
        const windowMs = this.pinLock.lockMinutes * 60_000;
        const state = await this.repos.account.recordPinFailure(
          current.id,
          at,
          this.pinLock.maxPinAttempts,
          windowMs,
        );
        if (state.lockedUntil && state.lockedUntil > at)
          throw pinLocked(secondsUntil(state.lockedUntil, at));
        throw wrongPin();
      }
      // A lock set by concurrent wrong tries while this one was checked stands (as for vendors).
      const lockedMeanwhile = await this.repos.account.clearPinFailures(current.id, at);
      if (lockedMeanwhile && lockedMeanwhile > at)
        throw pinLocked(secondsUntil(lockedMeanwhile, at));
      if (data.newPin === data.currentPin)
        throw badInput('Invalid input at newPin: must differ from the current PIN.', 'newPin');
    }
    return this.save(current.id, { pinHash: await hashPin(data.newPin) });
  }

  /**
   * On: returned loans are kept from now on. Off: every returned loan of the patron is anonymised
   * in one transaction, for good, so it needs `confirm`; without it, CONFIRMATION_REQUIRED says
   * how many loans it would anonymise and nothing changes.
   */
  async setCheckoutHistory(actor: Principal, keep: boolean, confirm: boolean): Promise<PatronRow> {
    const current = await this.mine(actor);
    if (keep) return this.save(current.id, { keepCheckoutHistory: true });
    const pending = await this.repos.account.countHistory(current.id);
    if (!confirm && (current.keepCheckoutHistory || pending > 0)) {
      throw confirmationRequired(
        `Switching checkout history off irrevocably anonymises ${pending} returned loan${pending === 1 ? '' : 's'}; ` +
          'repeat with confirmDeletion: true to proceed.',
        { returnedLoans: pending },
      );
    }
    const at = this.now();
    const row = await this.transact(async (r) => {
      const updated = await r.patrons.update(current.id, { keepCheckoutHistory: false });
      await r.account.eraseHistory(current.id, at);
      return updated;
    });
    return this.fresh(current.id, row);
  }

  grantsGiven(childId: string): Promise<GuardianGrantNode[]> {
    return this.repos.account.grantsOfChild
      .load(childId)
      .then((rows) => rows.map((g) => ({ ...g, subjectId: childId })));
  }

  grantsReceived(guardianId: string): Promise<GuardianGrantNode[]> {
    return this.repos.account.grantsToGuardian
      .load(guardianId)
      .then((rows) => rows.map((g) => ({ ...g, subjectId: guardianId })));
  }

  /** A new grant replaces an active one from the same child to the same guardian. */
  async grantGuardianView(actor: Principal, input: unknown): Promise<GuardianGrantNode> {
    const data = v.parseInput(grantInput, input);
    const childId = data.childId ?? actor.patronId;
    if (!childId) throw badInput('Invalid input at childId: name the child.', 'childId');
    if (childId === data.guardianId)
      throw badInput(
        'Invalid input at guardianId: must be someone other than the child.',
        'guardianId',
      );
    const at = this.now();
    const row = await this.transact(async (r) => {
      const [child, guardian] = await Promise.all([
        r.patrons.byId.load(childId),
        r.patrons.byId.load(data.guardianId),
      ]);
      if (!child || !guardian) throw notFound('Patron');
      await r.account.revokeActiveGrants(childId, data.guardianId, at);
      return r.account.insertGrant({
        id: newId('gg'),
        childId,
        guardianId: data.guardianId,
        categories: [...new Set(data.categories)],
        grantedBy: actor.patronId === childId ? childId : actor.id!,
        grantedAt: at,
      });
    });
    this.repos.account.grantsOfChild.clear(childId);
    this.repos.account.grantsToGuardian.clear(data.guardianId);
    return { ...row, subjectId: childId };
  }

  async revokeGuardianView(actor: Principal, grantId: string): Promise<GuardianGrantNode> {
    const id = v.parseInput(v.id, grantId);
    const grant = await this.repos.account.grantById.load(id);
    if (!grant) throw notFound('Guardian grant');
    const revoked = await this.repos.account.revokeGrant(id, this.now());
    if (!revoked) throw conflict('The grant is already revoked.');
    this.repos.account.grantsOfChild.clear(grant.childId);
    this.repos.account.grantsToGuardian.clear(grant.guardianId);
    // Read back from the revoking party's side (the guardian giving up a view reads it as theirs).
    return {
      ...revoked,
      subjectId: actor.patronId === grant.guardianId ? grant.guardianId : grant.childId,
    };
  }

  private async mine(actor: Principal): Promise<PatronRow> {
    const row = await this.repos.patrons.byId.load(selfId(actor));
    if (!row) throw notFound('Patron');
    return row;
  }

  private async save(
    id: string,
    changes: Parameters<Repositories['patrons']['update']>[1],
  ): Promise<PatronRow> {
    const row = await this.repos.patrons.update(id, changes);
    if (!row) throw notFound('Patron');
    return this.fresh(id, row);
  }

  private fresh(id: string, row: PatronRow | null): PatronRow {
    if (!row) throw notFound('Patron');
    this.repos.patrons.byId.clear(id).prime(id, row);
    return row;
  }
}

/** The rule tree admits only patrons here; a missing patron id is a wiring error, not a denial. */
function selfId(actor: Principal): string {
  if (!actor.patronId)
    throw new Error('AccountService called for a principal that is not a patron');
  return actor.patronId;
}
