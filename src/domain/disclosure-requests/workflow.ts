// Applies the disclosure state machine (transitions.ts): each step validates its input, locks
// the request, finds its transition (or refuses), writes the request and appends its event in one
// transaction. A refused step changes nothing.
import { z } from 'zod';
import type {
  DisclosureAction,
  DisclosureRequestRow,
  DisclosureStatusValue,
} from '../../db/schema/disclosure-requests.sql.js';
import { badInput, forbidden, notFound, writtenInstrumentRequired } from '../errors.js';
import type { Repositories, Transact } from '../../repositories/repositories.js';
import type {
  DisclosureChanges,
  NewDisclosureRequest,
} from '../../repositories/disclosure-request-workflow.js';
import { CLOCK, mayPerform, type Actor } from '../../authz/policy/authority.js';
import {
  CLOSED_STATUSES,
  nextStatus,
  transitionFor,
  type DirectorQueue,
  type DisclosureSettings,
} from './transitions.js';
import { newId } from '../ids.js';
import * as v from '../validation.js';
import { PII_CATEGORIES } from '../vocabulary.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const requesterId = z.string().regex(/^[a-z][a-z0-9_-]{2,99}$/, 'must be a requester id');
const uniqueList = <T extends z.ZodType>(item: T, max: number) =>
  z
    .array(item)
    .min(1, 'must not be empty')
    .max(max, `must have at most ${max} entries`)
    .refine((a) => new Set(a).size === a.length, 'must not repeat an entry');
const note = v.text(2000).nullable().optional();

const receiveInput = z.object({
  requesterId,
  requesterName: v.text(200),
  agency: v.text(200),
  instrument: z.enum([
    'SUBPOENA',
    'COURT_ORDER',
    'SEARCH_WARRANT',
    'NATIONAL_SECURITY_LETTER',
    'PATRON_CONSENT',
    'EMERGENCY',
  ]),
  form: z.enum(['WRITTEN', 'VERBAL']),
  instrumentReference: v.text(200).nullable().optional(),
  issuingAuthority: v.text(200).nullable().optional(),
  patronIds: uniqueList(v.id, 50),
  categories: uniqueList(z.enum(PII_CATEGORIES), PII_CATEGORIES.length),
  scopeFrom: z.date().nullable().optional(),
  scopeTo: z.date().nullable().optional(),
  nondisclosureUntil: z.date().nullable().optional(),
  note,
});

const approveInput = z.object({
  accessExpiresAt: z.date(),
  patronIds: uniqueList(v.id, 50).nullable().optional(),
  categories: uniqueList(z.enum(PII_CATEGORIES), PII_CATEGORIES.length).nullable().optional(),
  scopeFrom: z.date().nullable().optional(),
  scopeTo: z.date().nullable().optional(),
  note,
});

const emergencyInput = z.object({
  requesterId,
  requesterName: v.text(200),
  agency: v.text(200),
  patronIds: uniqueList(v.id, 5),
  justification: v.text(2000),
});

const requiredReason = v.text(2000);

export class DisclosureRequestWorkflow {
  private swept: Promise<void> | null = null;

  constructor(
    private readonly repos: Repositories,
    private readonly transact: Transact,
    private readonly now: () => Date,
    private readonly settings: DisclosureSettings,
  ) {}

  /** RECEIVED: a written request taken in at the desk. Verbal requests are refused and not recorded. */
  async receive(actor: Actor, input: unknown): Promise<DisclosureRequestRow> {
    const d = v.parseInput(receiveInput, input);
    const t = transitionFor('RECEIVE', null, actor);
    if (d.instrument === 'EMERGENCY')
      throw badInput(
        'Invalid input at instrument: an emergency is released with releaseEmergencyDisclosure.',
        'instrument',
      );
    if (d.form !== 'WRITTEN' || !d.instrumentReference || !d.issuingAuthority)
      throw writtenInstrumentRequired();
    const at = this.now();
    checkRange(d.scopeFrom ?? null, d.scopeTo ?? null);
    if (d.nondisclosureUntil && d.nondisclosureUntil <= at)
      throw badInput(
        'Invalid input at nondisclosureUntil: must be in the future.',
        'nondisclosureUntil',
      );
    return this.create(
      actor,
      t.action,
      d.patronIds,
      {
        id: newId('dr'),
        requesterId: d.requesterId,
        requesterName: d.requesterName,
        agency: d.agency,
        instrument: d.instrument,
        instrumentReference: d.instrumentReference,
        issuingAuthority: d.issuingAuthority,
        categories: d.categories,
        scopeFrom: d.scopeFrom ?? null,
        scopeTo: d.scopeTo ?? null,
        status: 'RECEIVED',
        receivedBy: actor.id,
        receivedAt: at,
        nondisclosureUntil: d.nondisclosureUntil ?? null,
      },
      d.note ?? null,
    );
  }

  /** Regulation 1: APPROVED at once, identity only, for a short window, to be ratified by the Director. */
  async releaseEmergency(actor: Actor, input: unknown): Promise<DisclosureRequestRow> {
    const d = v.parseInput(emergencyInput, input);
    const t = transitionFor('RELEASE_EMERGENCY', null, actor);
    const at = this.now();
    return this.create(
      actor,
      t.action,
      d.patronIds,
      {
        id: newId('dr'),
        requesterId: d.requesterId,
        requesterName: d.requesterName,
        agency: d.agency,
        instrument: 'EMERGENCY',
        categories: ['IDENTITY'],
        status: 'APPROVED',
        receivedBy: actor.id,
        receivedAt: at,
        decidedBy: actor.id,
        decisionAuthority: 'EMERGENCY',
        decidedAt: at,
        accessExpiresAt: new Date(at.getTime() + this.settings.emergencyAccessHours * HOUR),
        ratificationDueAt: new Date(at.getTime() + this.settings.emergencyRatificationHours * HOUR),
        emergencyJustification: d.justification,
      },
      null,
      'EMERGENCY',
    );
  }

  beginReview(actor: Actor, id: string, text: unknown): Promise<DisclosureRequestRow> {
    return this.step(actor, id, 'BEGIN_REVIEW', v.parseInput(note, text) ?? null, () => ({}));
  }

  /** APPROVED, possibly narrowing patrons, categories and dates; never widening them. */
  approve(actor: Actor, id: string, input: unknown): Promise<DisclosureRequestRow> {
    const d = v.parseInput(approveInput, input);
    const at = this.now();
    if (
      d.accessExpiresAt <= at ||
      d.accessExpiresAt.getTime() > at.getTime() + this.settings.maxAccessDays * DAY
    ) {
      throw badInput(
        `Invalid input at accessExpiresAt: must be in the future and within ${this.settings.maxAccessDays} days.`,
        'accessExpiresAt',
      );
    }
    return this.step(actor, id, 'APPROVE', d.note ?? null, async (r, row) => {
      const current = await r.disclosureRequests.patronIdsOf.load(row.id);
      if (d.patronIds && !d.patronIds.every((p) => current.includes(p)))
        throw narrowOnly('patronIds');
      if (d.categories && !d.categories.every((c) => row.categories.includes(c)))
        throw narrowOnly('categories');
      const scopeFrom = d.scopeFrom ?? row.scopeFrom;
      const scopeTo = d.scopeTo ?? row.scopeTo;
      if (d.scopeFrom && row.scopeFrom && d.scopeFrom < row.scopeFrom)
        throw narrowOnly('scopeFrom');
      if (d.scopeTo && row.scopeTo && d.scopeTo > row.scopeTo) throw narrowOnly('scopeTo');
      checkRange(scopeFrom, scopeTo);
      if (d.patronIds) await r.disclosureRequestWorkflow.keepPatrons(row.id, d.patronIds);
      return {
        categories: d.categories ?? row.categories,
        scopeFrom,
        scopeTo,
        accessExpiresAt: d.accessExpiresAt,
        decisionNote: d.note ?? null,
        ...decided(actor, at),
      };
    });
  }

  deny(actor: Actor, id: string, reason: unknown): Promise<DisclosureRequestRow> {
    const why = v.parseInput(requiredReason, reason);
    return this.step(actor, id, 'DENY', why, () => ({
      decisionNote: why,
      ...decided(actor, this.now()),
    }));
  }

  fulfill(actor: Actor, id: string, text: unknown): Promise<DisclosureRequestRow> {
    return this.step(actor, id, 'FULFILL', v.parseInput(note, text) ?? null, () => ({}));
  }

  /** The requester withdraws its own request (staff may record it on the requester's word). */
  async withdraw(actor: Actor, id: string, text: unknown): Promise<DisclosureRequestRow> {
    const why = v.parseInput(note, text) ?? null;
    // A requester learns nothing about requests that are not its own: unknown and foreign ids alike.
    if (!actor.staff) {
      const row = await this.repos.disclosureRequests.byId.load(v.parseInput(v.id, id));
      if (!row || !mayPerform('requester-or-staff', actor, row)) throw forbidden();
    }
    return this.step(actor, id, 'WITHDRAW', why, () => ({}));
  }

  ratify(actor: Actor, id: string, text: unknown): Promise<DisclosureRequestRow> {
    return this.step(actor, id, 'RATIFY', v.parseInput(note, text) ?? null, () => ({
      ratifiedAt: this.now(),
      emergencyReviewedBy: actor.id,
    }));
  }

  repudiate(actor: Actor, id: string, reason: unknown): Promise<DisclosureRequestRow> {
    const why = v.parseInput(requiredReason, reason);
    return this.step(actor, id, 'REPUDIATE', why, () => ({
      repudiatedAt: this.now(),
      emergencyReviewedBy: actor.id,
    }));
  }

  /**
   * EXPIRED by time, applied when disclosure requests are next read (once per GraphQL request)
   * and by any step on a lapsed request. Access itself never waits for this: the policy compares
   * access_expires_at with the clock on every decision.
   */
  expireLapsed(): Promise<void> {
    this.swept ??= (async () => {
      const ids = await this.repos.disclosureRequestWorkflow.lapsedIds(this.now());
      for (const id of ids) {
        const row = await this.transact((r) => this.expireOne(r, id));
        if (row) this.refresh(row);
      }
    })();
    return this.swept;
  }

  async queue(): Promise<DirectorQueue> {
    await this.expireLapsed();
    const at = this.now();
    const w = this.repos.disclosureRequestWorkflow;
    const [pendingReview, nearingExpiry, unratifiedEmergencies] = await Promise.all([
      w.pendingReview(),
      w.nearingExpiry(at, new Date(at.getTime() + this.settings.expiryWarningDays * DAY)),
      w.unratifiedEmergencies(),
    ]);
    return { pendingReview, nearingExpiry, unratifiedEmergencies };
  }

  private async create(
    actor: Actor,
    action: DisclosureAction,
    patronIds: string[],
    row: NewDisclosureRequest,
    text: string | null,
    authority: 'EMERGENCY' | null = null,
  ): Promise<DisclosureRequestRow> {
    const created = await this.transact(async (r) => {
      const found = await r.patrons.byId.loadMany(patronIds);
      if (found.some((p) => !p || p instanceof Error)) throw notFound('Patron');
      const inserted = await r.disclosureRequestWorkflow.insert(row, patronIds);
      await r.disclosureRequestWorkflow.appendEvent({
        requestId: inserted.id,
        fromStatus: null,
        toStatus: inserted.status,
        action,
        actorId: actor.id,
        actorRole: actor.role,
        authority: authority ?? null,
        designationId: null,
        note: text,
        at: inserted.receivedAt,
      });
      return inserted;
    });
    this.refresh(created);
    return created;
  }

  /** One transition on an existing request, in one transaction. */
  private async step(
    actor: Actor,
    rawId: string,
    action: DisclosureAction,
    text: string | null,
    changes: (
      r: Repositories,
      row: DisclosureRequestRow,
    ) => DisclosureChanges | Promise<DisclosureChanges>,
  ): Promise<DisclosureRequestRow> {
    const id = v.parseInput(v.id, rawId);
    const updated = await this.transact(async (r) => {
      await this.expireOne(r, id);
      const row = await r.disclosureRequestWorkflow.lock(id);
      if (!row) throw actor.authority || actor.staff ? notFound('Disclosure request') : forbidden();
      const t = transitionFor(action, row, actor);
      const to = nextStatus(t, row.status);
      const at = this.now();
      const patch = await changes(r, row);
      const next = await r.disclosureRequestWorkflow.update(id, {
        ...patch,
        status: to,
        closedAt: closedAt(row, to, at),
      });
      const byCustodian = t.by === 'custodian';
      await r.disclosureRequestWorkflow.appendEvent({
        requestId: id,
        fromStatus: row.status,
        toStatus: to,
        action,
        actorId: actor.id,
        actorRole: actor.role,
        authority: byCustodian ? actor.authority : null,
        designationId: byCustodian ? actor.designationId : null,
        note: text,
        at,
      });
      return next;
    });
    this.refresh(updated);
    return updated;
  }

  /** Expires one lapsed request inside the caller's transaction; null when it has not lapsed. */
  private async expireOne(r: Repositories, id: string): Promise<DisclosureRequestRow | null> {
    const row = await r.disclosureRequestWorkflow.lock(id);
    const at = this.now();
    if (!row || row.status !== 'APPROVED' || !row.accessExpiresAt || row.accessExpiresAt > at)
      return null;
    const t = transitionFor('EXPIRE', row, CLOCK);
    // The event carries the moment the window closed, not the moment it was noticed.
    const when = row.accessExpiresAt;
    const next = await r.disclosureRequestWorkflow.update(id, {
      status: nextStatus(t, row.status),
      closedAt: when,
    });
    await r.disclosureRequestWorkflow.appendEvent({
      requestId: id,
      fromStatus: row.status,
      toStatus: next.status,
      action: t.action,
      actorId: CLOCK.id,
      actorRole: CLOCK.role,
      authority: null,
      designationId: null,
      note: null,
      at: when,
    });
    return next;
  }

  /** The request's per-request caches see the committed row. */
  private refresh(row: DisclosureRequestRow): void {
    const d = this.repos.disclosureRequests;
    d.byId.clear(row.id).prime(row.id, row);
    d.patronIdsOf.clear(row.id);
    d.eventsOf.clear(row.id);
  }
}

function decided(actor: Actor, at: Date): DisclosureChanges {
  return {
    decidedBy: actor.id,
    decisionAuthority: actor.authority,
    designationId: actor.designationId,
    decidedAt: at,
  };
}

function closedAt(row: DisclosureRequestRow, to: DisclosureStatusValue, at: Date): Date | null {
  if (row.closedAt) return row.closedAt;
  return CLOSED_STATUSES.has(to) ? at : null;
}

function checkRange(from: Date | null, to: Date | null): void {
  if (from && to && from > to)
    throw badInput('Invalid input at scopeFrom: must not be after scopeTo.', 'scopeFrom');
}

const narrowOnly = (field: string) =>
  badInput(
    `Invalid input at ${field}: an approval may narrow the requested scope, never widen it.`,
    field,
  );
