// Errors answered by the HTTP layer before GraphQL runs (router secret, body size, malformed
// JSON), in the GraphQL response shape so clients read one format with a stable code.
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

export function sendHttpError(
  res: Response,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify({ errors: [{ message, extensions: { code, ...extra } }] }));
}

interface BodyParserError {
  type?: unknown;
  status?: unknown;
}

/**
 * express.json failures: too large → 413 LIMIT_EXCEEDED, unparsable → 400 BAD_REQUEST; the parser's
 * own message is never echoed (it can quote the body). Anything else is masked as internal.
 */
export function httpErrorHandler(logger: Logger, metrics: Metrics, maxBodyBytes: number) {
  return (err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    const { type, status } = (err ?? {}) as BodyParserError;
    if (type === 'entity.too.large') {
      metrics.limitRejected('body');
      res.setHeader('connection', 'close');
      return sendHttpError(
        res,
        413,
        'LIMIT_EXCEEDED',
        `The request body exceeds ${maxBodyBytes} bytes.`,
        { limit: 'MAX_BODY_BYTES' },
      );
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendHttpError(
        res,
        status,
        'BAD_REQUEST',
        type === 'entity.parse.failed'
          ? 'The request body is not valid JSON.'
          : 'The request body could not be read.',
      );
    }
    logger.error(
      { err: { type: err instanceof Error ? err.constructor.name : typeof err } },
      'unexpected HTTP error masked',
    );
    sendHttpError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal error.');
  };
}
