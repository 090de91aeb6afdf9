// Who is asking: the verified token's claims, reduced to what the policy needs.
import { z } from 'zod';

export const ROLES = [
  'patron',
  'circulation',
  'reference',
  'volunteer',
  'director',
  'vendor',
  'requester',
] as const;
export type Role = (typeof ROLES)[number];

/** Roles that make a principal library staff: staff must state a purpose to read personal data. */
export const STAFF_ROLES: readonly Role[] = ['circulation', 'reference', 'volunteer', 'director'];

export interface Principal {
  /** anonymous: no token; user: a verified token; system: scheduled jobs (retention). */
  readonly kind: 'anonymous' | 'user' | 'system';
  /** The token subject: a staff id for staff, the account id for patrons, vendors and requesters. */
  readonly id: string | null;
  readonly roles: ReadonlySet<Role>;
  readonly patronId: string | null;
  readonly vendorId: string | null;
  readonly requesterId: string | null;
  readonly scopes: ReadonlySet<string>;
}

export const ANONYMOUS: Principal = Object.freeze({
  kind: 'anonymous',
  id: null,
  roles: new Set<Role>(),
  patronId: null,
  vendorId: null,
  requesterId: null,
  scopes: new Set<string>(),
});

export const SYSTEM: Principal = Object.freeze({
  kind: 'system',
  id: 'system:retention',
  roles: new Set<Role>(),
  patronId: null,
  vendorId: null,
  requesterId: null,
  scopes: new Set<string>(),
});

/** The claims this service reads. Unknown roles are refused rather than ignored. */
export const claimsSchema = z
  .object({
    sub: z.string().min(1).max(200),
    roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
    patron_id: z.string().min(1).max(100).optional(),
    vendor_id: z.string().min(1).max(100).optional(),
    requester_id: z.string().min(1).max(100).optional(),
    scope: z.string().max(1000).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.roles.includes('patron') && !c.patron_id)
      ctx.addIssue({ code: 'custom', message: 'patron role needs patron_id' });
    if (c.roles.includes('vendor') && !c.vendor_id)
      ctx.addIssue({ code: 'custom', message: 'vendor role needs vendor_id' });
    if (c.roles.includes('requester') && !c.requester_id)
      ctx.addIssue({ code: 'custom', message: 'requester role needs requester_id' });
  });

export type Claims = z.infer<typeof claimsSchema>;

export function principalFromClaims(c: Claims): Principal {
  return {
    kind: 'user',
    id: c.sub,
    roles: new Set(c.roles),
    patronId: c.roles.includes('patron') ? (c.patron_id ?? null) : null,
    vendorId: c.roles.includes('vendor') ? (c.vendor_id ?? null) : null,
    requesterId: c.roles.includes('requester') ? (c.requester_id ?? null) : null,
    scopes: new Set((c.scope ?? '').split(' ').filter(Boolean)),
  };
}

export const isStaff = (p: Principal) => STAFF_ROLES.some((r) => p.roles.has(r));
