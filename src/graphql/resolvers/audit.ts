import type {
  AuditEventResolvers,
  DisclosureRequestResolvers,
  PatronResolvers,
  QueryResolvers,
} from '../generated/resolvers-types.js';

export const Query: Pick<QueryResolvers, 'auditEvents'> = {
  auditEvents: (_, { filter, first, after }, ctx) =>
    ctx.services.audit.events(filter, { first, after }, ctx.authz, ctx.audit),
};

export const AuditEvent: AuditEventResolvers = {
  seq: (e) => String(e.seq),
  at: (e) => new Date(e.atMs),
  // Format 1 rows name one subject; format 2 rows list theirs (a pseudonym whose key was shredded
  // mid-append is stored as null and names nobody, so it is left out).
  subjects: (e) =>
    e.format === 2
      ? (e.subjects ?? []).filter((s): s is string => s !== null)
      : e.subject === null
        ? []
        : [e.subject],
};

export const Patron: Pick<PatronResolvers, 'accessLog'> = {
  accessLog: (p, { first, after }, ctx) => ctx.services.audit.accessLog(p.id, { first, after }),
};

export const DisclosureRequest: Pick<DisclosureRequestResolvers, 'releases'> = {
  releases: (r, _, ctx) => ctx.services.audit.releases(r, ctx.authz),
};
