// GET /graphql from a browser, outside production: GraphiQL, built from the project's own
// dependencies (@graphql-yoga/render-graphiql inlines its scripts, styles and workers: no CDN a
// staff network may not reach), with the header editor open for the token and the purpose.
// Anything else (a GET with a query string, a client that does not ask for HTML, any POST) goes
// on to Apollo Server, whose CSRF prevention is unchanged.
import type { Request, RequestHandler } from 'express';

const EXAMPLE_HEADERS = {
  authorization: 'Bearer <npm run -s token -- --role director --sub staff_director>',
  'x-access-purpose': 'RECORDS_AUDIT',
};

const EXAMPLE_QUERY = `# Paste a token from \`npm run -s token -- …\` into the headers below, then run.
{
  patron(id: "pat_adalovelace") {
    name
    cardNumber
    loans { nodes { id dueAt } }
  }
}
`;

const wantsPage = (req: Request) =>
  Object.keys(req.query).length === 0 &&
  req.accepts(['application/json', 'text/html']) === 'text/html';

/** The explorer's handler, or undefined in production (no explorer, no introspection there). */
export function explorerHandler(nodeEnv: string): RequestHandler | undefined {
  if (nodeEnv === 'production') return undefined;
  let page: string | undefined;
  return (req, res, next) => {
    if (!wantsPage(req)) return next();
    import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => {
      page ??= renderGraphiQL({
        title: 'Patron records (development)',
        endpoint: req.baseUrl || '/graphql',
        defaultQuery: EXAMPLE_QUERY,
        headers: JSON.stringify(EXAMPLE_HEADERS, null, 2),
        // A token is a credential: never kept in the browser's storage.
        shouldPersistHeaders: false,
        defaultEditorToolsVisibility: 'headers',
      });
      res.status(200).type('html').send(page);
    }, next);
  };
}
