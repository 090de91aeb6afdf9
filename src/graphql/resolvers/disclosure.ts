import type { DisclosureRequestResolvers, QueryResolvers } from '../generated/resolvers-types.js';

export const Query: Pick<QueryResolvers, 'disclosureRequest'> = {
  disclosureRequest: (_, { id }, ctx) => ctx.services.disclosures.request(id),
};

export const DisclosureRequest: DisclosureRequestResolvers = {
  __resolveReference: async (ref, ctx) => (await ctx.services.disclosures.request(ref.id)) ?? null,
  patrons: (r, _, ctx) => ctx.services.disclosures.patrons(r),
  events: (r, _, ctx) => ctx.services.disclosures.events(r),
};
