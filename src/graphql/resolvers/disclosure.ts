import type { DisclosureRequestResolvers, QueryResolvers } from '../generated/resolvers-types.js';

export const Query: Pick<
  QueryResolvers,
  'disclosureRequest' | 'disclosureQueue' | 'requesterDisclosureRequests'
> = {
  disclosureRequest: (_, { id }, ctx) => ctx.services.disclosures.request(id),
  disclosureQueue: (_, __, ctx) => ctx.services.disclosureWorkflow.queue(),
  requesterDisclosureRequests: (_, { requesterId, filter, first, after }, ctx) =>
    ctx.services.disclosures.ofRequester(requesterId, filter?.status ?? null, { first, after }),
};

export const DisclosureRequest: DisclosureRequestResolvers = {
  __resolveReference: async (ref, ctx) => (await ctx.services.disclosures.request(ref.id)) ?? null,
  decisionDesignationId: (r) => r.designationId,
  // A patron named on a request with others sees only themself among them.
  patrons: (r, _, ctx) => ctx.services.disclosures.namedPatrons(r, ctx.authz),
  events: (r, _, ctx) => ctx.services.disclosures.events(r),
};
