// The vendor registry, enrolments, and card verification (regulation 7).
import { scopeNames } from '../../domain/vendors.js';
import type {
  MutationResolvers,
  QueryResolvers,
  VendorEnrolmentResolvers,
  VendorResolvers,
} from '../generated/resolvers-types.js';

export const Query: Pick<QueryResolvers, 'vendors'> = {
  vendors: (_, __, ctx) => ctx.services.vendors.list(ctx.principal),
};

type VendorMutations =
  'createVendor' | 'updateVendor' | 'enrolInVendorService' | 'endVendorEnrolment' | 'verifyCard';

export const Mutation: Pick<MutationResolvers, VendorMutations> = {
  createVendor: (_, { input }, ctx) => ctx.services.vendors.create(input),
  updateVendor: (_, { id, input }, ctx) => ctx.services.vendors.update(id, input),
  enrolInVendorService: (_, { vendorId, patronId }, ctx) =>
    ctx.services.vendors.enrol(ctx.principal, vendorId, patronId),
  endVendorEnrolment: (_, { vendorId, patronId }, ctx) =>
    ctx.services.vendors.endEnrolment(ctx.principal, vendorId, patronId),
  verifyCard: (_, { cardNumber, pin }, ctx) =>
    ctx.services.vendors.verifyCard(ctx.principal, ctx.audit, cardNumber, pin),
};

export const Vendor: VendorResolvers = {
  scopes: (v) => scopeNames(v.scopes),
};

export const VendorEnrolment: VendorEnrolmentResolvers = {
  vendor: (e, _, ctx) => ctx.services.vendors.vendor(e.vendorId),
  patron: (e, _, ctx) => ctx.services.patrons.get(e.patronId),
};
