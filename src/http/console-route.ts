// Mounts the privacy console's routes on their first request, so a server that never serves the
// console (or serves it rarely) does no work for it at startup.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ConsoleDeps } from './console.js';

export function lazyConsoleRoutes(deps: ConsoleDeps): RequestHandler {
  let routes: Promise<RequestHandler> | null = null;
  return (req: Request, res: Response, next: NextFunction) => {
    routes ??= import('./console.js').then((m) => m.consoleRoutes(deps));
    routes.then((handle) => handle(req, res, next), next);
  };
}
