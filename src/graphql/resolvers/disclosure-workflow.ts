// The workflow's mutations: each one names its actor (authority from the policy) and one step.
import type { MutationResolvers } from '../generated/resolvers-types.js';
import type { GraphQLContext } from '../context.js';
import { actorOf } from '../../domain/actor.js';

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
    ctx.services.disclosureWorkflow.receive(await actor(ctx), input),
  beginDisclosureReview: async (_, { id, note }, ctx) =>
    ctx.services.disclosureWorkflow.beginReview(await actor(ctx), id, note),
  approveDisclosureRequest: async (_, { id, input }, ctx) =>
    ctx.services.disclosureWorkflow.approve(await actor(ctx), id, input),
  denyDisclosureRequest: async (_, { id, reason }, ctx) =>
    ctx.services.disclosureWorkflow.deny(await actor(ctx), id, reason),
  fulfillDisclosureRequest: async (_, { id, note }, ctx) =>
    ctx.services.disclosureWorkflow.fulfill(await actor(ctx), id, note),
  withdrawDisclosureRequest: async (_, { id, note }, ctx) =>
    ctx.services.disclosureWorkflow.withdraw(await actor(ctx), id, note),
  releaseEmergencyDisclosure: async (_, { input }, ctx) =>
    ctx.services.disclosureWorkflow.releaseEmergency(await actor(ctx), input),
  ratifyEmergencyDisclosure: async (_, { id, note }, ctx) =>
    ctx.services.disclosureWorkflow.ratify(await actor(ctx), id, note),
  repudiateEmergencyDisclosure: async (_, { id, reason }, ctx) =>
    ctx.services.disclosureWorkflow.repudiate(await actor(ctx), id, reason),
};
