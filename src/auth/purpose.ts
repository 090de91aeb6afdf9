// Staff and the Director state why they read personal data, per request, in X-Access-Purpose.
// The list is closed so the audit log can be read by purpose.
export const ACCESS_PURPOSES = [
  'CIRCULATION_DESK',
  'ACCOUNT_SUPPORT',
  'FINES_COLLECTION',
  'REFERENCE_SERVICE',
  'DISCLOSURE_REVIEW',
  'RECORDS_AUDIT',
  'SAFETY_EMERGENCY',
] as const;

export type AccessPurpose = (typeof ACCESS_PURPOSES)[number];

const known = new Set<string>(ACCESS_PURPOSES);

/** The stated purpose, or null when absent or not one of the documented values. */
export function parsePurpose(header: string | undefined): AccessPurpose | null {
  const value = header?.trim().toUpperCase();
  return value && known.has(value) ? (value as AccessPurpose) : null;
}
