import type {
  DesignationResolvers,
  MutationResolvers,
  QueryResolvers,
} from '../generated/resolvers-types.js';
import { isDesignationActive } from '../../domain/designations.js';

export const Query: Pick<QueryResolvers, 'designations'> = {
  designations: (_, { includeInactive }, ctx) =>
    ctx.services.designations.list(includeInactive ?? false),
};

export const Mutation: Pick<MutationResolvers, 'designateAlternate' | 'revokeDesignation'> = {
  designateAlternate: (_, { input }, ctx) =>
    ctx.services.designations.designate(ctx.principal, input),
  revokeDesignation: (_, { id }, ctx) => ctx.services.designations.revoke(ctx.principal, id),
};

export const Designation: DesignationResolvers = {
  activeNow: (d, _, ctx) => isDesignationActive(d, ctx.now()),
};
