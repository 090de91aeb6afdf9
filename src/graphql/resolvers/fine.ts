import type {
  FineResolvers,
  MutationResolvers,
  QueryResolvers,
} from '../generated/resolvers-types.js';

export const Query: Pick<QueryResolvers, 'fine'> = {
  fine: (_, { id }, ctx) => ctx.services.fines.fine(id),
};

export const Mutation: Pick<MutationResolvers, 'assessFine' | 'payFine' | 'waiveFine'> = {
  assessFine: (_, { input }, ctx) => ctx.services.fines.assess(input),
  payFine: (_, { input }, ctx) => ctx.services.fines.pay(ctx.principal, input),
  waiveFine: (_, { fineId, reason }, ctx) =>
    ctx.services.fines.waive(ctx.principal, fineId, reason),
};

export const Fine: FineResolvers = {
  __resolveReference: async (ref, ctx) => (await ctx.services.fines.fine(ref.id)) ?? null,
  patron: (f, _, ctx) => (f.patronId ? ctx.services.patrons.get(f.patronId) : null),
  loan: (f, _, ctx) => (f.loanId ? ctx.services.loans.loan(f.loanId) : null),
  payments: async (f, _, ctx) =>
    ctx.services.fines.payments(
      f,
      f.patronId ? (await ctx.authz.listScopeFor(f.patronId, 'FINES')).ranges : null,
    ),
};
