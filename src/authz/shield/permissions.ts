// The rule tree, top to bottom. Root fields are authorised by hand (ROOT_RULES); every other
// field's rule is derived from its SDL classification (derivedTypeRules), and the clauses each
// rule consults are listed in order in policy.ts. Anything not listed is denied (fallbackRule: deny).
import type { GraphQLSchema } from 'graphql';
import { allow, deny, or, shield, type IRules } from 'graphql-shield';
import { explicitRules, type ExplicitRules, type FieldRule } from './explicit-rules.js';
import { forbidden } from '../../domain/errors.js';
import { classifyFields, type FieldClass } from '../policy/classification.js';
import { auditedRootRules } from './root-rules.js';
import {
  canLookUp,
  canLookUpDisclosure,
  canReachPatron,
  disclosureRule,
  internalRule,
  isCustodian,
  isDeskStaff,
  isReferenceStaff,
  isRequester,
  isSelf,
  isSelfOrDeskStaff,
  piiRule,
} from './rules.js';
import {
  canExportOwnData,
  canGrantGuardianView,
  canRevokeGuardianView,
  canVerifyCards,
  isPatron,
  isSelfOrCustodian,
} from './rules-account.js';
import {
  isDirector,
  isEmergencyResponder,
  isStaffMember,
  isThatRequester,
} from './rules-disclosure.js';

const ROOT_RULES = {
  Query: {
    // Federation: the router fetches the SDL and resolves entities by key. `_entities` skips the
    // root rules below, which is why every entity field is protected by its own rule.
    _service: allow,
    _entities: allow,
    patron: canReachPatron,
    patronByCardNumber: isDeskStaff,
    patrons: isDeskStaff,
    loan: canLookUp('Loan'),
    fine: canLookUp('Fine'),
    referenceConsult: canLookUp('ReferenceConsult'),
    disclosureRequest: canLookUpDisclosure,
    me: isPatron,
    myDataExport: canExportOwnData,
    vendors: or(internalRule, isPatron),
    disclosureQueue: isCustodian,
    requesterDisclosureRequests: or(isCustodian, isThatRequester),
    designations: isCustodian,
    auditEvents: isCustodian,
    auditAccessTimeline: isCustodian,
    auditLogHealth: isCustodian,
    // Aggregate counts, small cells suppressed (regulation 9): every staff role, no purpose needed.
    statistics: internalRule,
  },
  Mutation: {
    registerPatron: isDeskStaff,
    updatePatron: isSelfOrDeskStaff,
    checkOut: isDeskStaff,
    checkIn: isDeskStaff,
    assessFine: isDeskStaff,
    payFine: isDeskStaff,
    waiveFine: isDeskStaff,
    recordReferenceConsult: isReferenceStaff,
    updateMyContact: isPatron,
    updateMyNotificationPreferences: isPatron,
    changeMyPin: isPatron,
    setCheckoutHistory: isPatron,
    grantGuardianView: canGrantGuardianView,
    revokeGuardianView: canRevokeGuardianView,
    createVendor: isCustodian,
    updateVendor: isCustodian,
    enrolInVendorService: isSelfOrCustodian,
    endVendorEnrolment: isSelfOrCustodian,
    verifyCard: canVerifyCards,
    // Disclosure workflow (regulations 1-3): intake by staff, decisions by the custodian only.
    receiveDisclosureRequest: isStaffMember,
    beginDisclosureReview: isCustodian,
    approveDisclosureRequest: isCustodian,
    denyDisclosureRequest: isCustodian,
    fulfillDisclosureRequest: isCustodian,
    withdrawDisclosureRequest: or(isStaffMember, isRequester),
    releaseEmergencyDisclosure: isEmergencyResponder,
    ratifyEmergencyDisclosure: isCustodian,
    repudiateEmergencyDisclosure: isCustodian,
    designateAlternate: isDirector,
    revokeDesignation: isDirector,
    // Regulation 6: the patron themself (args.patronId).
    grantConsent: isSelf,
    revokeConsent: isSelf,
  },
  _Service: { sdl: allow },
} satisfies IRules;

/** Types whose fields are decided by a disclosure request's own parties, not by the patron's record. */
const DISCLOSURE_TYPES = new Set(['DisclosureRequest', 'DisclosureEvent', 'DisclosureRelease']);

/** The rule of one classified field: @public → allow, @internal → staff, @pii → its category's rule. */
export function ruleFor(typeName: string, c: FieldClass): FieldRule {
  if (c.kind === 'public') return allow;
  if (c.kind === 'internal') return internalRule;
  if (DISCLOSURE_TYPES.has(typeName)) return disclosureRule;
  return piiRule(c.category, c);
}

/** Type rules derived from the classification; fields of the same (category, flags) share one rule object. */
export function derivedTypeRules(
  classes: Map<string, FieldClass>,
): Record<string, Record<string, FieldRule>> {
  const shared = new Map<string, FieldRule>();
  const out: Record<string, Record<string, FieldRule>> = {};
  for (const [key, c] of classes) {
    const [typeName, fieldName] = key.split('.') as [string, string];
    const id =
      c.kind === 'pii'
        ? `${DISCLOSURE_TYPES.has(typeName)}|${c.category}|${c.staffVisible}|${c.vendorShared}`
        : c.kind;
    const r = shared.get(id) ?? ruleFor(typeName, c);
    shared.set(id, r);
    (out[typeName] ??= {})[fieldName] = r;
  }
  return out;
}

/** The whole rule tree: the derived type rules, then the root rules (their refusals audited). */
export function ruleTree(schema: GraphQLSchema): Record<string, Record<string, FieldRule>> {
  return { ...derivedTypeRules(classifyFields(schema)), ...auditedRootRules(ROOT_RULES) };
}

export const SHIELD_OPTIONS = {
  fallbackRule: deny,
  // Resolver errors are already typed (NOT_FOUND, CONFLICT, ...); unexpected ones are masked by
  // the server's formatError, so shield need not replace them with its own message.
  allowExternalErrors: true,
  fallbackError: () => forbidden(),
  debug: false,
} as const;

/** Every field's rule, as the shield reads `tree` (explicit-rules.ts): what both policy paths use. */
export function fieldRules(schema: GraphQLSchema, tree: IRules = ruleTree(schema)): ExplicitRules {
  return explicitRules(schema, tree, SHIELD_OPTIONS.fallbackRule);
}

export function buildPermissions(schema: GraphQLSchema, tree: IRules = ruleTree(schema)) {
  return shield(fieldRules(schema, tree), SHIELD_OPTIONS);
}

export { ROOT_RULES };
