// The privacy console's aggregate queries. Each read is audited at the root like `auditEvents`
// (who looked, about which patron, on what basis); the fields below are custodian-only (@pii).
import type { QueryResolvers } from '../generated/resolvers-types.js';

export const Query: Pick<QueryResolvers, 'auditAccessTimeline' | 'auditLogHealth'> = {
  auditAccessTimeline: async (_, { patronId, from, to }, ctx) => {
    ctx.audit.record(
      patronId,
      'Query',
      'auditAccessTimeline',
      'DISCLOSURE',
      'custodian',
      await ctx.authz.custodianBasis(),
    );
    return ctx.auditOverview.timeline(patronId, from, to);
  },
  auditLogHealth: async (_, __, ctx) => {
    ctx.audit.record(
      null,
      'Query',
      'auditLogHealth',
      'DISCLOSURE',
      'custodian',
      await ctx.authz.custodianBasis(),
    );
    return ctx.auditOverview.health();
  },
};
