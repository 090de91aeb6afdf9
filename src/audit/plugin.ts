// Fail closed: a request's audit rows are made durable in willSendResponse, before the body
// leaves. If that fails, the body is replaced by `data: null` and one AUDIT_UNAVAILABLE error with
// the request id, with HTTP 503: no protected value reaches the client unrecorded.
import type { ApolloServerPlugin } from '@apollo/server';
import type { AuditFlushMetrics } from '../metrics.js';
import { GraphQLError } from 'graphql';
import type { Logger } from '../logger.js';
import type { GraphQLContext } from '../graphql/context.js';
import { documentHash, type AuditWriter } from './writer.js';

function auditUnavailable(requestId: string): GraphQLError {
  return new GraphQLError(
    'The access could not be recorded, so nothing is returned. Quote the request id to an administrator.',
    {
      extensions: { code: 'AUDIT_UNAVAILABLE', requestId },
    },
  );
}

/** A mutation's transaction could not append its rows (and rolled back): the response is withheld. */
class AuditUnavailableError extends Error {
  override name = 'AuditUnavailableError';
  constructor() {
    super('the audit rows of a mutation could not be made durable; its transaction rolled back');
  }
}

export function auditPlugin(
  writer: AuditWriter,
  logger: Logger,
  metrics?: AuditFlushMetrics,
): ApolloServerPlugin<GraphQLContext> {
  return {
    async serverWillStart() {
      return {
        async serverWillStop() {
          await writer.close();
        },
      };
    },
    async requestDidStart() {
      return {
        async didResolveOperation(rc) {
          // A mutation's transaction appends its rows before the response exists: it needs these now.
          rc.contextValue.audit.facts = {
            operationName: rc.operationName ?? rc.request.operationName ?? null,
            documentHash: documentHash(rc.document, rc.queryHash),
          };
        },
        async willSendResponse(rc) {
          const ctx = rc.contextValue;
          // A request refused before it had a context (bad token) resolved nothing.
          if (!ctx?.audit) return;
          ctx.audit.markFailures(rc.errors);
          if (!ctx.audit.size && !ctx.audit.unavailable) return;
          const started = performance.now();
          try {
            if (ctx.audit.unavailable) throw new AuditUnavailableError();
            await writer.append(
              ctx,
              {
                operationName: rc.operationName ?? rc.request.operationName ?? null,
                documentHash: documentHash(rc.document, rc.queryHash),
              },
              ctx.audit.entries(),
            );
            metrics?.auditFlush(performance.now() - started, true);
          } catch (err) {
            metrics?.auditFlush(performance.now() - started, false);
            logger.error(
              {
                requestId: ctx.requestId,
                err: {
                  type: (err as Error)?.constructor?.name,
                  code: (err as { code?: string })?.code,
                },
              },
              'audit write failed; response withheld',
            );
            // graphql-js 16 has no incremental delivery here, so the body is always a single result.
            const error = auditUnavailable(ctx.requestId);
            rc.response.body = {
              kind: 'single',
              singleResult: {
                data: null,
                errors: [error.toJSON()],
                extensions: { requestId: ctx.requestId },
              },
            };
            rc.response.http.status = 503;
          }
        },
      };
    },
  };
}
