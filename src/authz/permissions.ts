// The rule tree, top to bottom. Root fields are authorised by hand; every other field's rule is
// derived from its SDL classification. Anything not listed is denied (fallbackRule: deny).
import type { GraphQLSchema } from 'graphql';
import { allow, deny, or, shield, type IRules } from 'graphql-shield';
import { forbidden } from '../graphql/errors.js';
import { classifyFields, type FieldClass } from './classification.js';
import {
  canReachPatron,
  disclosureRule,
  internalRule,
  isCustodian,
  isDeskStaff,
  isReferenceStaff,
  isRequester,
  isSelf,
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

const ROOT_RULES = {
  Query: {
    // Federation: the router fetches the SDL and resolves entities; the entity fields below stay protected.
    _service: allow,
    _entities: allow,
    patron: canReachPatron,
    patronByCardNumber: isDeskStaff,
    patrons: isDeskStaff,
    loan: isDeskStaff,
    fine: isDeskStaff,
    referenceConsult: or(isReferenceStaff, isDeskStaff),
    disclosureRequest: or(isCustodian, isRequester, isDeskStaff),
    me: isPatron,
    myDataExport: canExportOwnData,
    vendors: or(internalRule, isPatron),
    // Aggregate counts, small cells suppressed (regulation 9): any staff member, no purpose needed.
    statistics: internalRule,
  },
  Mutation: {
    registerPatron: isDeskStaff,
    updatePatron: or(isSelf, isDeskStaff),
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
  },
  _Service: { sdl: allow },
} satisfies IRules;

/** Type rules derived from the classification: @public → allow, @internal → staff, @pii → its category's rule. */
export function derivedTypeRules(classes: Map<string, FieldClass>): Record<string, Record<string, ReturnType<typeof piiRule>>> {
  const piiRules = new Map<string, ReturnType<typeof piiRule>>();
  const out: Record<string, Record<string, ReturnType<typeof piiRule>>> = {};
  for (const [key, c] of classes) {
    const [typeName, fieldName] = key.split('.') as [string, string];
    let r;
    if (c.kind === 'public') r = allow;
    else if (c.kind === 'internal') r = internalRule;
    else if (typeName === 'DisclosureRequest' || typeName === 'DisclosureEvent') r = disclosureRule;
    else {
      const id = `${c.category}|${c.staffVisible}|${c.vendorShared}`;
      r = piiRules.get(id) ?? piiRule(c.category, c);
      piiRules.set(id, r);
    }
    (out[typeName] ??= {})[fieldName] = r as ReturnType<typeof piiRule>;
  }
  return out;
}

export function buildPermissions(schema: GraphQLSchema) {
  const rules = { ...derivedTypeRules(classifyFields(schema)), ...ROOT_RULES };
  return shield(rules, {
    fallbackRule: deny,
    // Resolver errors are already typed (NOT_FOUND, CONFLICT, ...); unexpected ones are masked by
    // the server's formatError, so shield need not replace them with its own message.
    allowExternalErrors: true,
    fallbackError: () => forbidden(),
    debug: false,
  });
}

export { ROOT_RULES };
