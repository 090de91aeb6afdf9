// Only the router at the door: with ROUTER_SECRET set, a /graphql request must carry it in the
// x-router-secret header. The check runs before the body is read, so an outsider's request costs
// no parsing. Both sides are hashed first: timingSafeEqual needs equal lengths, and comparing
// digests leaks neither the secret's content nor its length through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from '../metrics.js';
import { sendHttpError } from './error-responses.js';

const ROUTER_SECRET_HEADER = 'x-router-secret';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

function secretMatches(presented: string | string[] | undefined, expected: Buffer): boolean {
  if (typeof presented !== 'string') return false;
  return timingSafeEqual(digest(presented), expected);
}

/** Marks the request `viaRouter` when the secret matched; refuses it (401) when a secret is configured and it did not. */
export function routerGate(secret: string | undefined, metrics: Metrics) {
  const expected = secret ? digest(secret) : null;
  return (req: Request, res: Response, next: NextFunction): void => {
    const matched = expected !== null && secretMatches(req.headers[ROUTER_SECRET_HEADER], expected);
    res.locals.viaRouter = matched;
    if (expected !== null && !matched) {
      metrics.limitRejected('router_secret');
      // The body is never read: close the connection afterwards instead of draining it.
      res.setHeader('connection', 'close');
      sendHttpError(
        res,
        401,
        'UNAUTHENTICATED',
        'This service accepts requests from the federated router only.',
      );
      return;
    }
    next();
  };
}
