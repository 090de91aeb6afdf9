import type {
  LoanResolvers,
  MutationResolvers,
  QueryResolvers,
} from '../generated/resolvers-types.js';

export const Query: Pick<QueryResolvers, 'loan'> = {
  loan: (_, { id }, ctx) => ctx.services.loans.loan(id),
};

export const Mutation: Pick<MutationResolvers, 'checkOut' | 'checkIn'> = {
  checkOut: (_, { input }, ctx) => ctx.services.loans.checkOut(input),
  checkIn: (_, { loanId }, ctx) => ctx.services.loans.checkIn(loanId),
};

export const Loan: LoanResolvers = {
  __resolveReference: async (ref, ctx) => (await ctx.services.loans.loan(ref.id)) ?? null,
  item: (l) => ({ id: l.itemId }),
  patron: (l, _, ctx) => (l.patronId ? ctx.services.patrons.get(l.patronId) : null),
  status: (l) => (l.returnedAt ? 'RETURNED' : 'ON_LOAN'),
};
