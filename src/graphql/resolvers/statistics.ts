import type { QueryResolvers } from '../generated/resolvers-types.js';

export const Query: Pick<QueryResolvers, 'statistics'> = {
  statistics: (_, args, ctx) => ctx.services.statistics.table(args),
};
