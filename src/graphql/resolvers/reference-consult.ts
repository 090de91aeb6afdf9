import type {
  MutationResolvers,
  QueryResolvers,
  ReferenceConsultResolvers,
} from '../generated/resolvers-types.js';

export const Query: Pick<QueryResolvers, 'referenceConsult'> = {
  referenceConsult: (_, { id }, ctx) => ctx.services.referenceConsults.consult(id),
};

export const Mutation: Pick<MutationResolvers, 'recordReferenceConsult'> = {
  recordReferenceConsult: (_, { input }, ctx) =>
    ctx.services.referenceConsults.record(ctx.principal, input),
};

export const ReferenceConsult: ReferenceConsultResolvers = {
  __resolveReference: async (ref, ctx) =>
    (await ctx.services.referenceConsults.consult(ref.id)) ?? null,
  patron: (c, _, ctx) => (c.patronId ? ctx.services.patrons.get(c.patronId) : null),
};
