// A real subgraph over HTTP on a free port, with a fresh database and real signed tokens.
import type { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { openDatabase, serverDatabaseOptions, type Database } from '../../src/db/client.js';
import { createTestDatabase, runtimeRoleUrl, type TestDatabase } from './database.js';
import { AUDIENCE, ISSUER, createTestIssuer, type TestIssuer, type TokenSpec } from './tokens.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: {
      message: string;
      path?: (string | number)[];
      extensions?: Record<string, unknown>;
    }[];
    extensions?: Record<string, unknown>;
  };
}

export interface CallOptions {
  as?: TokenSpec;
  token?: string;
  purpose?: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface TestServer {
  url: string;
  server: RunningServer;
  db: TestDatabase;
  /** The database handle the server uses: the runtime role's on PostgreSQL, else `db.database`. */
  database: Database;
  issuer: TestIssuer;
  /** Every log line the server wrote, as parsed JSON. */
  logs: Record<string, unknown>[];
  gql<T = Record<string, unknown>>(
    query: string,
    options?: CallOptions,
  ): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  seed?: boolean;
  now?: () => Date;
  /**
   * On PostgreSQL the server serves as the runtime role (npm run db:roles's grants), as in
   * production, so every test of the suite checks that its grants suffice; false serves as the owner.
   */
  runtimeRole?: boolean;
  /** The console's development sign-in mints with this test's issuer (src/http/console-dev.ts). */
  devTokens?: boolean;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const db = await createTestDatabase({ seed: options.seed ?? true });
  const issuer = await createTestIssuer();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    LOG_LEVEL: 'info',
    // The leak and clause tests refuse thousands of requests per principal on purpose; the
    // refusal limit's own test sets its limit low (test/http/refusal-limit.test.ts).
    REFUSAL_LIMIT: '1000000000',
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const sink = {
    write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>),
  } as unknown as Writable;
  const logger = createLogger(config.LOG_LEVEL, sink);
  const asRuntime = db.database.kind === 'postgres' && (options.runtimeRole ?? true);
  // The server closes its database on stop; the owner's stays open for the test's raw SQL.
  const database = asRuntime
    ? await openDatabase({
        ...serverDatabaseOptions(config),
        url: await runtimeRoleUrl(db),
        poolSize: 5,
      })
    : db.database;
  const server = await startServer({
    config,
    logger,
    database,
    verifier: issuer.verifier,
    now: options.now,
    devTokens: options.devTokens ? (spec) => issuer.mint(spec) : undefined,
  });

  const gql: TestServer['gql'] = async (query, o = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...o.headers };
    const token = o.token ?? (o.as ? await issuer.mint(o.as) : undefined);
    if (token) headers.authorization = `Bearer ${token}`;
    if (o.purpose) headers['x-access-purpose'] = o.purpose;
    const res = await fetch(server.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables: o.variables }),
    });
    return {
      status: res.status,
      headers: res.headers,
      body: (await res.json()) as GraphQLResponse['body'],
    } as never;
  };

  return {
    url: server.url,
    server,
    db,
    database,
    issuer,
    logs,
    gql,
    async stop() {
      await server.stop();
      await db.drop();
    },
  };
}
