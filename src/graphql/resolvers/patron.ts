import type {
  PatronResolvers,
  QueryResolvers,
  MutationResolvers,
} from '../generated/resolvers-types.js';
import { isMinor } from '../../domain/patrons.js';

export const Query: Pick<QueryResolvers, 'patron' | 'patronByCardNumber' | 'patrons'> = {
  patron: (_, { id }, ctx) => ctx.services.patrons.get(id),
  patronByCardNumber: (_, { cardNumber }, ctx) => ctx.services.patrons.byCardNumber(cardNumber),
  patrons: (_, { search, first, after }, ctx) =>
    ctx.services.patrons.search(search, { first, after }),
};

export const Mutation: Pick<MutationResolvers, 'registerPatron' | 'updatePatron'> = {
  registerPatron: (_, { input }, ctx) => ctx.services.patrons.register(input),
  updatePatron: (_, { id, input }, ctx) => ctx.services.patrons.update(ctx.principal, id, input),
};

export const Patron: PatronResolvers = {
  __resolveReference: async (ref, ctx) => (await ctx.services.patrons.get(ref.id)) ?? null,
  isMinor: (p, _, ctx) => isMinor(p.birthDate, ctx.now()),
  loans: async (p, { filter, first, after }, ctx) =>
    ctx.services.loans.loansOfPatron(
      p.id,
      filter?.status ?? null,
      { first, after },
      await ctx.authz.listScopeFor(p.id, 'CIRCULATION'),
    ),
  fines: async (p, { filter, first, after }, ctx) =>
    ctx.services.fines.finesOfPatron(
      p.id,
      filter?.status ?? null,
      { first, after },
      await ctx.authz.listScopeFor(p.id, 'FINES'),
    ),
  referenceConsults: async (p, { filter, first, after }, ctx) =>
    ctx.services.referenceConsults.consultsOfPatron(
      p.id,
      filter?.channel ?? null,
      { first, after },
      await ctx.authz.listScopeFor(p.id, 'REFERENCE'),
    ),
  disclosureRequests: async (p, { filter, first, after }, ctx) =>
    ctx.services.disclosureRequests.ofPatron(
      p.id,
      filter?.status ?? null,
      { first, after },
      await ctx.authz.listScopeFor(p.id, 'DISCLOSURE'),
    ),
};
