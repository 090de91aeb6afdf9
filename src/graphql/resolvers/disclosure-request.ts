// Disclosure requests (MNG-1 regulations 1-3): reads, and the workflow's steps, each of which
// names its actor (authority from the policy) and one transition.
import type {
  DisclosureRequestResolvers,
  MutationResolvers,
  QueryResolvers,
} from '../generated/resolvers-types.js';
import type { GraphQLContext } from '../context.js';
import { actorOf } from '../../authz/policy/authority.js';

export const Query: Pick<
  QueryResolvers,
  'disclosureRequest' | 'disclosureQueue' | 'requesterDisclosureRequests'
> = {
  disclosureRequest: (_, { id }, ctx) => ctx.services.disclosureRequests.request(id),
  disclosureQueue: (_, __, ctx) => ctx.services.disclosureRequestWorkflow.queue(),
  requesterDisclosureRequests: (_, { requesterId, filter, first, after }, ctx) =>
    ctx.services.disclosureRequests.ofRequester(requesterId, filter?.status ?? null, {
      first,
      after,
    }),
};

export const DisclosureRequest: DisclosureRequestResolvers = {
  __resolveReference: async (ref, ctx) =>
    (await ctx.services.disclosureRequests.request(ref.id)) ?? null,
  decisionDesignationId: (r) => r.designationId,
  // A patron named on a request with others sees only themself among them.
  patrons: (r, _, ctx) => ctx.services.disclosureRequests.namedPatrons(r, ctx.authz),
  events: (r, _, ctx) => ctx.services.disclosureRequests.events(r),
};

const actor = (ctx: GraphQLContext) => actorOf(ctx.principal, ctx.purpose, ctx.authz);

type Steps =
  | 'receiveDisclosureRequest'
  | 'beginDisclosureReview'
  | 'approveDisclosureRequest'
  | 'denyDisclosureRequest'
  | 'fulfillDisclosureRequest'
  | 'withdrawDisclosureRequest'
  | 'releaseEmergencyDisclosure'
  | 'ratifyEmergencyDisclosure'
  | 'repudiateEmergencyDisclosure';

export const Mutation: Pick<MutationResolvers, Steps> = {
  receiveDisclosureRequest: async (_, { input }, ctx) =>
    ctx.services.disclosureRequestWorkflow.receive(await actor(ctx), input),
  beginDisclosureReview: async (_, { id, note }, ctx) =>
    ctx.services.disclosureRequestWorkflow.beginReview(await actor(ctx), id, note),
  approveDisclosureRequest: async (_, { id, input }, ctx) =>
    ctx.services.disclosureRequestWorkflow.approve(await actor(ctx), id, input),
  denyDisclosureRequest: async (_, { id, reason }, ctx) =>
    ctx.services.disclosureRequestWorkflow.deny(await actor(ctx), id, reason),
  fulfillDisclosureRequest: async (_, { id, note }, ctx) =>
    ctx.services.disclosureRequestWorkflow.fulfill(await actor(ctx), id, note),
  withdrawDisclosureRequest: async (_, { id, note }, ctx) =>
    ctx.services.disclosureRequestWorkflow.withdraw(await actor(ctx), id, note),
  releaseEmergencyDisclosure: async (_, { input }, ctx) =>
    ctx.services.disclosureRequestWorkflow.releaseEmergency(await actor(ctx), input),
  ratifyEmergencyDisclosure: async (_, { id, note }, ctx) =>
    ctx.services.disclosureRequestWorkflow.ratify(await actor(ctx), id, note),
  repudiateEmergencyDisclosure: async (_, { id, reason }, ctx) =>
    ctx.services.disclosureRequestWorkflow.repudiate(await actor(ctx), id, reason),
};
