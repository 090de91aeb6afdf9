// The leak test's corpus: documents generated from the whole schema (every root field, every
// relation, `_entities`, aliases and fragments), each with the positions of its response that the
// oracle judges. The leak test holds every principal's responses to the oracle; the differential
// test runs the same documents through the optimised schema and through plain graphql-shield.
import type { GraphQLSchema } from 'graphql';
import type { TestDatabase } from '../../support/database.js';
import { PATRONS, type RecordRow, type World } from './fixtures.js';
import {
  custodianOutcome,
  deskOutcome,
  disclosureLookupOutcome,
  lookupOutcome,
  meOutcome,
  reachOutcome,
  requesterListOutcome,
  staffMemberOutcome,
  vendorsOutcome,
  verifyCardOutcome,
  type Category,
  type Outcome,
  type Who,
} from './oracle.js';
import { plan, Renderer, type PlanSelection, type RenderStyle } from './paths.js';

export const ROOT_DEPTH = 2;
/**
 * The documents are generated from the whole schema: far beyond the production limits on body
 * size, depth, aliases, tokens and cost, which the hardening tests prove on their own.
 */
export const GENEROUS_LIMITS = {
  MAX_QUERY_DEPTH: '1000',
  MAX_ALIASES: '100000',
  MAX_QUERY_COST: '100000000',
  MAX_QUERY_TOKENS: '1000000',
  MAX_ENTITY_REPRESENTATIONS: '10000',
  MAX_BODY_BYTES: '50000000',
  EXECUTION_TIMEOUT_MS: '120000',
};
export const PLAIN: RenderStyle = { alias: false, fragments: false };
export const DRESSED: RenderStyle = { alias: true, fragments: true };

interface Root {
  alias: string;
  /** The root field, e.g. Query.loan. */
  entry: string;
  call: string;
  sel: PlanSelection;
  outcome: (who: Who) => Outcome;
}

/** One document of the corpus, and the positions of its response the oracle judges. */
export interface CorpusBatch {
  name: string;
  style: RenderStyle;
  document: string;
  /** The document the truth is computed from, when the caller's own one cannot run unprotected (`me`). */
  truthDocument?: string;
  variables?: Record<string, unknown>;
  /** Positions in the response: (trail, path, selection, outcome) with the truth beside them. */
  positions: {
    trail: string;
    path: (string | number)[];
    sel: PlanSelection;
    outcome: (who: Who) => Outcome;
    volatile?: boolean;
    truthAt?: (who: Who) => (string | number)[];
  }[];
}

function rootBatch(schema: GraphQLSchema, w: World): CorpusBatch {
  const r = new Renderer(PLAIN);
  const roots: Root[] = [];
  const idsOf = (type: string) =>
    [...w.records.values()].filter((x) => x.type === type).map((x) => x.id);
  const add = (
    entry: string,
    type: string,
    ids: string[],
    arg: string,
    outcome: (who: Who, id: string) => Outcome,
  ) =>
    ids.forEach((id, i) => {
      const field = entry.split('.')[1]!;
      roots.push({
        alias: `${field}_${i}`,
        entry,
        call: `${field}(${arg}: "${id}")`,
        sel: plan(schema, type, ROOT_DEPTH),
        outcome: (who) => outcome(who, id),
      });
    });
  add('Query.patron', 'Patron', [...PATRONS, 'pat_nosuchpatron'], 'id', (who, id) =>
    reachOutcome(who, id),
  );
  add('Query.patronByCardNumber', 'Patron', [...w.cardNumbers.values()], 'cardNumber', (who) =>
    deskOutcome(who),
  );
  const lookups: [string, string, Category, string][] = [
    ['Query.loan', 'Loan', 'CIRCULATION', 'loan_nosuchloan'],
    ['Query.fine', 'Fine', 'FINES', 'fine_nosuchfine'],
    ['Query.referenceConsult', 'ReferenceConsult', 'REFERENCE', 'rc_nosuchconsult'],
  ];
  for (const [entry, type, category, unknown] of lookups) {
    add(entry, type, [...idsOf(type), unknown], 'id', (who, id) =>
      lookupOutcome(w, who, category, w.records.get(id)),
    );
  }
  add(
    'Query.disclosureRequest',
    'DisclosureRequest',
    [...idsOf('DisclosureRequest'), 'dr_nosuchrequest'],
    'id',
    (who, id) => disclosureLookupOutcome(w, who, w.records.get(id)),
  );
  const body = roots.map((x) => `${x.alias}: ${x.call} ${r.selection(x.sel)}`).join('\n');
  // `me` is the caller's own record: its truth is the same selection through `patron(id:)` above.
  const me = plan(schema, 'Patron', ROOT_DEPTH);
  const mePosition = {
    trail: 'Query.me',
    path: ['me'],
    sel: me,
    outcome: meOutcome,
    truthAt: (who: Who) => [`patron_${PATRONS.indexOf(who.patronId as never)}`],
  };
  return {
    name: 'root fields (aliased roots, plain selections)',
    style: PLAIN,
    document: r.document(`query Roots {\n${body}\nme ${r.selection(me)}\n}`),
    truthDocument: r.document(`query Roots {\n${body}\n}`),
    positions: [
      ...roots.map((x) => ({ trail: x.entry, path: [x.alias], sel: x.sel, outcome: x.outcome })),
      mePosition,
    ],
  };
}

/**
 * `_entities`: each representation answers like the root lookup of its type (the same outcome
 * functions as the root batch), unknown ids included, so an unknown id and someone else's look alike.
 */
function entitiesBatch(schema: GraphQLSchema, w: World): CorpusBatch {
  const r = new Renderer(DRESSED);
  const outcomes: Record<string, (who: Who, id: string) => Outcome> = {
    Patron: (who, id) => reachOutcome(who, id),
    Loan: (who, id) => lookupOutcome(w, who, 'CIRCULATION', w.records.get(id)),
    Fine: (who, id) => lookupOutcome(w, who, 'FINES', w.records.get(id)),
    ReferenceConsult: (who, id) => lookupOutcome(w, who, 'REFERENCE', w.records.get(id)),
    DisclosureRequest: (who, id) => disclosureLookupOutcome(w, who, w.records.get(id)),
  };
  const unknown: Record<string, string> = {
    Patron: 'pat_nosuchpatron',
    Loan: 'loan_nosuchloan',
    Fine: 'fine_nosuchfine',
    ReferenceConsult: 'rc_nosuchconsult',
    DisclosureRequest: 'dr_nosuchrequest',
  };
  const types = Object.keys(outcomes);
  const reps = [
    ...[...w.records.values()]
      .filter(
        (x) =>
          types.includes(x.type) &&
          (x.type !== 'Patron' || (PATRONS as readonly string[]).includes(x.id)),
      )
      .map((x) => ({ __typename: x.type, id: x.id })),
    ...types.map((type) => ({ __typename: type, id: unknown[type]! })),
  ];
  const sels = new Map(types.map((type) => [type, plan(schema, type, ROOT_DEPTH)]));
  const inner = types.map((type) => `... on ${type} ${r.selection(sels.get(type)!)}`).join('\n');
  return {
    name: '_entities (inline and named fragments, aliased fields)',
    style: DRESSED,
    document: r.document(
      `query Entities($reps: [_Any!]!) { _entities(representations: $reps) { __typename\n${inner} } }`,
    ),
    variables: { reps },
    positions: reps.map((rep, i) => ({
      trail: `Query._entities(${rep.__typename})`,
      path: ['_entities', i],
      sel: sels.get(rep.__typename)!,
      outcome: (who: Who) => outcomes[rep.__typename]!(who, rep.id),
    })),
  };
}

/**
 * Root fields whose type is non-null: a denial nulls the whole response, so each gets a document of
 * its own. The audit log grows with every request of this test, so its values are not compared.
 */
function soloBatches(schema: GraphQLSchema): CorpusBatch[] {
  const solo = (
    entry: string,
    call: string,
    type: string,
    outcome: (who: Who) => Outcome,
    volatile = false,
  ): CorpusBatch => {
    const r = new Renderer(PLAIN);
    const sel = plan(schema, type, ROOT_DEPTH);
    return {
      name: entry,
      style: PLAIN,
      document: r.document(`query Solo { root: ${call} ${r.selection(sel)} }`),
      positions: [{ trail: entry, path: ['root'], sel, outcome, volatile }],
    };
  };
  const requesters = ['req_police', 'req_court', 'req_lawfirm'];
  return [
    // Patrons see active vendors only, staff every vendor: no single truth.
    solo('Query.vendors', 'vendors', 'Vendor', vendorsOutcome, true),
    solo(
      'Query.designations',
      'designations(includeInactive: true)',
      'Designation',
      custodianOutcome,
    ),
    solo('Query.disclosureQueue', 'disclosureQueue', 'DisclosureQueue', custodianOutcome),
    solo(
      'Query.auditEvents',
      'auditEvents(first: 100)',
      'AuditEventConnection',
      custodianOutcome,
      true,
    ),
    solo(
      'Query.auditAccessTimeline',
      `auditAccessTimeline(patronId: "${PATRONS[0]}", from: "${new Date(Date.now() - 30 * 86_400_000).toISOString()}", to: "${new Date(Date.now() + 86_400_000).toISOString()}")`,
      'AccessTimelineDay',
      custodianOutcome,
      true,
    ),
    solo('Query.auditLogHealth', 'auditLogHealth', 'AuditLogHealth', custodianOutcome, true),
    // Counts change as this test checks loans in; they are compared field by field, not to a truth.
    // Grouped by enum dimensions: a branch key is the library's own vocabulary (not personal), but
    // this fixture writes a unique canary into every loan's branch, so a BRANCH table would list
    // them as keys. Suppression itself is tested in test/retention/statistics.test.ts.
    solo(
      'Query.statistics',
      `statistics(measure: REFERENCE_CONSULTS, year: ${new Date().getUTCFullYear()}, rows: CHANNEL, columns: AGE_BAND)`,
      'StatisticsTable',
      staffMemberOutcome,
      true,
    ),
    ...requesters.map((id) =>
      solo(
        'Query.requesterDisclosureRequests',
        `requesterDisclosureRequests(requesterId: "${id}", first: 100)`,
        'DisclosureRequestConnection',
        (who) => requesterListOutcome(who, id),
      ),
    ),
  ];
}

function searchBatch(schema: GraphQLSchema): CorpusBatch {
  const r = new Renderer(DRESSED);
  const sel = plan(schema, 'PatronConnection', ROOT_DEPTH);
  return {
    name: 'patrons search (fragments, aliased fields)',
    style: DRESSED,
    document: r.document(
      `query Search { a_Query_patrons: patrons(search: { namePrefix: "CANARY" }, first: 100) ${r.selection(sel)} }`,
    ),
    positions: [
      {
        trail: 'Query.patrons',
        path: ['a_Query_patrons'],
        sel,
        outcome: (who) => deskOutcome(who),
      },
    ],
  };
}

/** Every query document of the corpus. */
export function queryCorpus(schema: GraphQLSchema, w: World): CorpusBatch[] {
  return [
    rootBatch(schema, w),
    entitiesBatch(schema, w),
    searchBatch(schema),
    ...soloBatches(schema),
  ];
}

/** A mutation of the corpus: the two object types only mutations return. */
export interface CorpusMutation {
  entry: string;
  document: string;
  sel: PlanSelection;
  outcome: (who: Who) => Outcome;
}

/**
 * A loan of ada's (she keeps history, so it stays linked to her after check-in), on loan, for the
 * i-th principal to check in; `returnedAt: null` puts it back on loan for another run.
 */
export async function leakCheckInLoan(db: TestDatabase, w: World, i: number): Promise<RecordRow> {
  const loanId = `loan_leakcheckin${'abcdefghijklmnopqrstuvwxyz'[i]}`; // ids are base32
  await db.raw(
    `insert into loans (id, patron_id, item_id, item_type, branch, checked_out_at, due_at) values ($1, 'pat_adalovelace', 'item_leak', 'book', 'MAIN', $2, $3)
     on conflict (id) do update set returned_at = null`,
    [
      loanId,
      new Date(w.seededAt.getTime() - 86_400_000),
      new Date(w.seededAt.getTime() + 86_400_000),
    ],
  );
  const loanRec = {
    type: 'Loan' as const,
    id: loanId,
    patronId: 'pat_adalovelace',
    at: null,
    current: false,
    librarianId: null,
  };
  w.records.set(loanId, loanRec);
  return loanRec;
}

/** Check in `loan`, and verify ada's card with the demo PIN. */
export function mutationCorpus(schema: GraphQLSchema, w: World, loan: RecordRow): CorpusMutation[] {
  const docs: [string, string, string, (x: Who) => Outcome][] = [
    ['Mutation.checkIn', `checkIn(loanId: "${loan.id}")`, 'CheckInResult', deskOutcome],
    [
      'Mutation.verifyCard',
      `verifyCard(cardNumber: "${w.cardNumbers.get('pat_adalovelace')}", pin: "2468")`,
      'CardVerification',
      verifyCardOutcome,
    ],
  ];
  return docs.map(([entry, call, type, outcome]) => {
    const r = new Renderer(DRESSED);
    const sel = plan(schema, type, ROOT_DEPTH);
    return {
      entry,
      document: r.document(`mutation M { root: ${call} ${r.selection(sel)} }`),
      sel,
      outcome,
    };
  });
}
