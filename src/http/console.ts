// The privacy console over HTTP (docs/console.md): its static files (built into dist/console), the
// development sign-in, and its own entry to the server's one Apollo Server. That entry runs the
// same schema, rule tree, audit and limits as /graphql; it differs only at the door: a browser
// cannot hold the router's secret, so it admits a bearer token from the identity provider instead.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, {
  Router,
  type NextFunction,
  type Request,
  type Response,
  type RequestHandler,
} from 'express';
import type { Config } from '../config.js';
import { sendHttpError } from './error-responses.js';
import { DEMO_PRINCIPALS, type DevTokenMinter } from './console-dev.js';

export interface ConsoleDeps {
  config: Config;
  /** The same Apollo Server middleware /graphql runs (context, audit, limits included). */
  graphql: RequestHandler;
  devTokens?: DevTokenMinter;
}

const CONSOLE_DIR = fileURLToPath(new URL('../../dist/console', import.meta.url));

/** Only our own files and our own API: no inline script or style, no framing, no form posts elsewhere. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  // cache-control: no-store is already set on every answer by the server (src/server.ts).
  res.setHeader('content-security-policy', CONSOLE_CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  next();
}

/** The console's entry answers signed-in principals only: anonymous callers go no further. */
function bearerRequired(req: Request, res: Response, next: NextFunction): void {
  if (/^Bearer +\S/i.test(req.headers.authorization ?? '')) return next();
  res.setHeader('www-authenticate', 'Bearer');
  sendHttpError(res, 401, 'UNAUTHENTICATED', 'Sign in first: the console needs a bearer token.');
}

export function consoleRoutes(deps: ConsoleDeps): Router {
  const { config } = deps;
  const router = Router();
  router.use(securityHeaders);
  router.post(
    '/graphql',
    bearerRequired,
    express.json({ limit: config.MAX_BODY_BYTES }),
    deps.graphql,
  );
  if (deps.devTokens && config.NODE_ENV !== 'production') {
    const mint = deps.devTokens;
    router.get('/dev/principals', (_req, res) => {
      res.json(Object.entries(DEMO_PRINCIPALS).map(([key, p]) => ({ key, label: p.label })));
    });
    router.post(
      '/dev/token',
      express.json({ limit: 1_000 }),
      (req: Request, res: Response, next) => {
        const key = (req.body as { principal?: unknown } | undefined)?.principal;
        const demo =
          typeof key === 'string' && Object.hasOwn(DEMO_PRINCIPALS, key)
            ? DEMO_PRINCIPALS[key]
            : undefined;
        if (!demo) return sendHttpError(res, 400, 'BAD_USER_INPUT', 'Unknown demo principal.');
        mint(demo.spec).then((token) => res.json({ token }), next);
      },
    );
  }
  if (existsSync(CONSOLE_DIR))
    router.use(
      express.static(CONSOLE_DIR, {
        index: 'index.html',
        cacheControl: false,
        etag: false,
        lastModified: false,
        dotfiles: 'ignore',
      }),
    );
  router.use((_req, res) =>
    sendHttpError(
      res,
      404,
      'NOT_FOUND',
      existsSync(CONSOLE_DIR) ? 'Not found.' : 'The console is not built: run npm run build.',
    ),
  );
  return router;
}
