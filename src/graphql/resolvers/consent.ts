import type { MutationResolvers, PatronResolvers } from '../generated/resolvers-types.js';

export const Mutation: Pick<MutationResolvers, 'grantConsent' | 'revokeConsent'> = {
  grantConsent: (_, { patronId, input }, ctx) => ctx.services.consents.grant(ctx.principal, patronId, input),
  revokeConsent: (_, { patronId, consentId }, ctx) => ctx.services.consents.revoke(ctx.principal, patronId, consentId),
};

/** Added to Patron by schema/consent.graphql. */
export const PatronConsents: Pick<PatronResolvers, 'consents'> = {
  consents: (p, _, ctx) => ctx.services.consents.ofPatron(p.id),
};
