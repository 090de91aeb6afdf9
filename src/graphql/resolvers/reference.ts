import type {
  MutationResolvers,
  QueryResolvers,
  ReferenceConsultResolvers,
} from '../generated/resolvers-types.js';

export const Query: Pick<QueryResolvers, 'referenceConsult'> = {
  referenceConsult: (_, { id }, ctx) => ctx.services.reference.consult(id),
};

export const Mutation: Pick<MutationResolvers, 'recordReferenceConsult'> = {
  recordReferenceConsult: (_, { input }, ctx) =>
    ctx.services.reference.record(ctx.principal, input),
};

export const ReferenceConsult: ReferenceConsultResolvers = {
  __resolveReference: async (ref, ctx) => (await ctx.services.reference.consult(ref.id)) ?? null,
  patron: (c, _, ctx) => (c.patronId ? ctx.services.patrons.get(c.patronId) : null),
};
