// `npm run graph`: the library's federated graph on one machine. The patron-records subgraph (as
// `npm start` runs it, demo data included) behind a real @apollo/gateway, composed with a small
// catalogue subgraph that owns `Item`. The router secret is set up (a fresh one unless
// ROUTER_SECRET is given) and the gateway forwards the caller's token, purpose and traceparent.
import { randomBytes } from 'node:crypto';
import { loadConfig, ConfigError } from '../config.js';
import { createLogger } from '../logger.js';
import { openDatabase, serverDatabaseOptions } from '../db/client.js';
import { migrateAsOwner } from '../db/migrate.js';
import { verifierFromConfig } from '../auth/verifier.js';
import { isEmpty, seedDemo, DEMO } from '../seed/demo.js';
import { startServer } from '../server.js';
import { startCatalogue } from './catalogue.js';
import { composeSupergraph } from './compose.js';
import { startApolloGateway } from './gateway.js';
import { PATRONS_SUBGRAPH } from './headers.js';

process.env.APOLLO_TELEMETRY_DISABLED ??= '1';
/** The gateway's port (the catalogue takes the next one); read by this script only. */
const GRAPH_PORT = Number(process.env.GRAPH_PORT ?? 4100);

const routerSecret = process.env.ROUTER_SECRET ?? randomBytes(32).toString('base64url');
let config;
try {
  config = loadConfig({ ...process.env, ROUTER_SECRET: routerSecret });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(78);
}
const logger = createLogger(config.LOG_LEVEL);
const database = await openDatabase(serverDatabaseOptions(config));
await migrateAsOwner(config, database);
if (database.kind === 'pglite' && config.SEED_DEMO && (await isEmpty(database.db))) {
  await seedDemo(database.db);
  logger.info('demo library loaded');
}
const patrons = await startServer({
  config,
  logger,
  database,
  verifier: await verifierFromConfig(config),
});
const catalogue = await startCatalogue(GRAPH_PORT + 1, config.HOST);
const supergraphSdl = await composeSupergraph([
  { name: PATRONS_SUBGRAPH, url: patrons.url, headers: { 'x-router-secret': routerSecret } },
  { name: 'catalogue', url: catalogue.url },
]);
const gateway = await startApolloGateway({
  supergraphSdl,
  routerSecret,
  port: GRAPH_PORT,
  host: config.HOST,
});
logger.info({ url: gateway.url }, 'federated graph ready');
process.stdout.write(
  `\nFederated graph (@apollo/gateway): ${gateway.url}\n` +
    `  subgraphs: patrons ${patrons.url} (router secret required), catalogue ${catalogue.url}\n\n` +
    `Try, in another terminal:\n` +
    `  TOKEN=$(npm run -s token -- --role director --sub ${DEMO.staff.director})\n` +
    `  curl -s ${gateway.url} -H "authorization: Bearer $TOKEN" -H "x-access-purpose: RECORDS_AUDIT" \\\n` +
    `    -H 'content-type: application/json' -d '{"query":"{ item(id: \\"item_analyticalengine\\") { title currentLoan { dueAt patron { name } } } }"}'\n\n`,
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    Promise.all([gateway.stop(), catalogue.stop()])
      .then(() => patrons.stop())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}
