// Wires each type's resolver module into one map: one module per domain, merged root types.
import type { Resolvers } from '../generated/resolvers-types.js';
import * as consent from './consent.js';
import * as designation from './designation.js';
import * as audit from './audit.js';
import * as auditConsole from './audit-console.js';
import * as disclosureRequest from './disclosure-request.js';
import * as fine from './fine.js';
import { JSONObject } from './json.js';
import * as loan from './loan.js';
import * as me from './me.js';
import * as patron from './patron.js';
import * as referenceConsult from './reference-consult.js';
import * as statistics from './statistics.js';
import { DateScalar, DateTime } from './scalars.js';
import * as vendor from './vendor.js';

const modules = [
  patron,
  loan,
  fine,
  referenceConsult,
  disclosureRequest,
  designation,
  consent,
  me,
  vendor,
  audit,
  auditConsole,
  statistics,
];

export const resolvers: Resolvers = {
  DateTime,
  Date: DateScalar,
  JSONObject,
  Query: Object.assign({}, ...modules.map((m) => ('Query' in m ? m.Query : {}))),
  Mutation: Object.assign({}, ...modules.map((m) => ('Mutation' in m ? m.Mutation : {}))),
  Patron: { ...patron.Patron, ...me.Patron, ...audit.Patron },
  Loan: loan.Loan,
  Fine: fine.Fine,
  ReferenceConsult: referenceConsult.ReferenceConsult,
  DisclosureRequest: { ...disclosureRequest.DisclosureRequest, ...audit.DisclosureRequest },
  GuardianGrant: me.GuardianGrant,
  Consent: me.Consent,
  Vendor: vendor.Vendor,
  VendorEnrolment: vendor.VendorEnrolment,
  Designation: designation.Designation,
  AuditEvent: audit.AuditEvent,
};
