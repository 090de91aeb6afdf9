// The privacy console's aggregate queries. Each read is audited at the root like `auditEvents`
// (who looked, about which patron, on what basis); the fields below are custodian-only (@pii).
import type { QueryResolvers } from '../generated/resolvers-types.js';

export const Query: Pick<QueryResolvers, 'auditAccessTimeline' | 'auditLogHealth'> = {
  auditAccessTimeline: (_, { patronId, from, to }, ctx) =>
    ctx.auditOverview.timeline(patronId, from, to, ctx.authz.custodianBasis(), ctx.audit),
  auditLogHealth: (_, __, ctx) => ctx.auditOverview.health(ctx.authz.custodianBasis(), ctx.audit),
};
