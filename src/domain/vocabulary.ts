// The domain's enumerations, as lists a program can walk. The SDL declares the same enums for
// clients; codegen maps them onto these types (codegen.ts, `enumValues`), and a test checks both
// name the same values (test/domain/vocabulary.test.ts).

/** The categories of a patron's record (MNG-1 regulation 5); every protected field has one. */
export const PII_CATEGORIES = [
  'IDENTITY',
  'CIRCULATION',
  'FINES',
  'ONLINE_SERVICES',
  'REFERENCE',
  'DISCLOSURE',
] as const;
export type PiiCategory = (typeof PII_CATEGORIES)[number];
const PII = new Set<string>(PII_CATEGORIES);
export const isPiiCategory = (c: string): c is PiiCategory => PII.has(c);

/** The basis on which a protected field was released. Every grant names one. */
export const ACCESS_BASES = [
  'SELF',
  'STAFF_PURPOSE',
  'DIRECTOR',
  'DESIGNEE',
  'DISCLOSURE',
  'VENDOR_SCOPE',
  'GUARDIAN_GRANT',
  'CONSENT',
] as const;
export type AccessBasis = (typeof ACCESS_BASES)[number];

/** What an audit row records of a decision. */
export const AUDIT_OUTCOMES = ['GRANTED', 'DENIED', 'FAILED'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** What a statistics table counts, and what it is grouped by (regulation 9). */
export const STATISTICS_MEASURES = ['LOANS', 'FINES', 'REFERENCE_CONSULTS'] as const;
export type StatisticsMeasure = (typeof STATISTICS_MEASURES)[number];
export const STATISTICS_DIMENSIONS = [
  'BRANCH',
  'MONTH',
  'ITEM_TYPE',
  'AGE_BAND',
  'CHANNEL',
] as const;
export type StatisticsDimension = (typeof STATISTICS_DIMENSIONS)[number];
