// The patron's own view and account changes (regulation 11), and guardian grants (regulation 14).
import type {
  ConsentResolvers,
  GuardianGrantResolvers,
  MutationResolvers,
  PatronResolvers,
  QueryResolvers,
} from '../generated/resolvers-types.js';
import { isPiiCategory } from '../../domain/vocabulary.js';

export const Query: Pick<QueryResolvers, 'me' | 'myDataExport'> = {
  me: (_, __, ctx) => ctx.services.account.me(ctx.principal),
  myDataExport: (_, __, ctx) => ctx.services.dataExport.exportFor(ctx.principal),
};

type AccountMutations =
  | 'updateMyContact'
  | 'updateMyNotificationPreferences'
  | 'changeMyPin'
  | 'setCheckoutHistory'
  | 'grantGuardianView'
  | 'revokeGuardianView';

export const Mutation: Pick<MutationResolvers, AccountMutations> = {
  updateMyContact: (_, { input }, ctx) => ctx.services.account.updateContact(ctx.principal, input),
  updateMyNotificationPreferences: (_, { input }, ctx) =>
    ctx.services.account.updatePreferences(ctx.principal, input),
  changeMyPin: (_, { input }, ctx) => ctx.services.account.changePin(ctx.principal, input),
  setCheckoutHistory: (_, { keep, confirmDeletion }, ctx) =>
    ctx.services.account.setCheckoutHistory(ctx.principal, keep, confirmDeletion ?? false),
  grantGuardianView: (_, { input }, ctx) =>
    ctx.services.account.grantGuardianView(ctx.principal, input),
  revokeGuardianView: (_, { grantId }, ctx) =>
    ctx.services.account.revokeGuardianView(ctx.principal, grantId),
};

export const Patron: Pick<
  PatronResolvers,
  'hasPin' | 'onlineServices' | 'consents' | 'guardianGrantsGiven' | 'guardianGrantsReceived'
> = {
  hasPin: (p) => p.pinHash !== null,
  onlineServices: (p, _, ctx) => ctx.services.vendors.enrolmentsOf(p.id),
  consents: (p, _, ctx) => ctx.services.consents.ofPatron(p.id),
  guardianGrantsGiven: (p, _, ctx) => ctx.services.account.grantsGiven(p.id),
  guardianGrantsReceived: (p, _, ctx) => ctx.services.account.grantsReceived(p.id),
};

export const GuardianGrant: GuardianGrantResolvers = {
  child: (g, _, ctx) => ctx.services.patrons.get(g.childId),
  guardian: (g, _, ctx) => ctx.services.patrons.get(g.guardianId),
  categories: (g) =>
    g.categories.filter((c): c is 'CIRCULATION' | 'FINES' => c === 'CIRCULATION' || c === 'FINES'),
};

export const Consent: ConsentResolvers = {
  categories: (c) => c.categories.filter(isPiiCategory),
};
