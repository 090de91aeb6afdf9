// Wires each type's resolver module into one map: one module per domain, merged root types.
import type { Resolvers } from '../generated/resolvers-types.js';
import * as disclosure from './disclosure.js';
import * as fine from './fine.js';
import * as loan from './loan.js';
import * as patron from './patron.js';
import * as reference from './reference.js';
import * as statistics from './statistics.js';
import { DateScalar, DateTime } from './scalars.js';

const modules = [patron, loan, fine, reference, disclosure, statistics];

export const resolvers: Resolvers = {
  DateTime,
  Date: DateScalar,
  Query: Object.assign({}, ...modules.map((m) => ('Query' in m ? m.Query : {}))),
  Mutation: Object.assign({}, ...modules.map((m) => ('Mutation' in m ? m.Mutation : {}))),
  Patron: patron.Patron,
  Loan: loan.Loan,
  Fine: fine.Fine,
  ReferenceConsult: reference.ReferenceConsult,
  DisclosureRequest: disclosure.DisclosureRequest,
};
