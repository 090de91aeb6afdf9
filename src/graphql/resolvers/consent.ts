import type { MutationResolvers } from '../generated/resolvers-types.js';

export const Mutation: Pick<MutationResolvers, 'grantConsent' | 'revokeConsent'> = {
  grantConsent: (_, { patronId, input }, ctx) =>
    ctx.services.consents.grant(ctx.principal, patronId, input),
  revokeConsent: (_, { patronId, consentId }, ctx) =>
    ctx.services.consents.revoke(ctx.principal, patronId, consentId),
};
