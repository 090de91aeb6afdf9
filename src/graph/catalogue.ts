// A small catalogue subgraph for the local graph: it owns `Item` (key `id`) and knows which loan a
// copy is out on, a reference into the patron-records subgraph. Demo data only: the real
// catalogue is the library's ILS, behind its own subgraph.
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

export const CATALOGUE_SDL = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  "A catalogue item."
  type Item @key(fields: "id") {
    id: ID!
    title: String!
    "The loan this copy is out on (a reference into the patron-records subgraph)."
    currentLoan: Loan
  }
  type Loan @key(fields: "id", resolvable: false) {
    id: ID!
  }
  type Query {
    item(id: ID!): Item
  }
`);

/** The demo library's items (src/seed/demo.ts), with the loans they are out on. */
const ITEMS: Record<string, { title: string; currentLoan?: string }> = {
  item_analyticalengine: {
    title: 'Sketch of the Analytical Engine',
    currentLoan: 'loan_adacurrent',
  },
  item_notesonbabbage: { title: 'Notes on Babbage' },
  item_thingsfallapart: { title: 'Things Fall Apart', currentLoan: 'loan_bencurrent' },
  item_jazzrecords: { title: 'Jazz Records', currentLoan: 'loan_benoverdue' },
};

const item = (id: string) => {
  const found = ITEMS[id];
  return found ? { id, title: found.title, currentLoanId: found.currentLoan ?? null } : null;
};

export interface RunningSubgraph {
  url: string;
  stop(): Promise<void>;
}

export async function startCatalogue(port: number, host = '127.0.0.1'): Promise<RunningSubgraph> {
  const server = new ApolloServer({
    schema: buildSubgraphSchema([
      {
        typeDefs: CATALOGUE_SDL,
        resolvers: {
          Query: { item: (_: unknown, { id }: { id: string }) => item(id) },
          Item: {
            __resolveReference: (ref: { id: string }) => item(ref.id),
            currentLoan: (i: { currentLoanId: string | null }) =>
              i.currentLoanId ? { id: i.currentLoanId } : null,
          },
        },
      },
    ]),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    stopOnTerminationSignals: false,
  });
  const { url } = await startStandaloneServer(server, { listen: { port, host } });
  return { url, stop: () => server.stop() };
}
