// Helpers of the self-service tests: an in-process executor that exposes the request's audit
// buffer (persisting it is the audit log's job; here we check what each request recorded).
import { graphql, type ExecutionResult } from 'graphql';
import { principalFromClaims } from '../../src/auth/principal.js';
import type { Db } from '../../src/db/client.js';
import type { AuditRow } from '../../src/audit/buffer.js';
import { createContext } from '../../src/graphql/context.js';
import { buildSchema } from '../../src/graphql/schema.js';
import { createLogger } from '../../src/logger.js';
import type { TokenSpec } from '../support/tokens.js';
import type { VendorSettings } from '../../src/domain/vendor-settings.js';

export interface InProcessResult {
  result: ExecutionResult;
  audit: AuditRow[];
}

/** Executes one operation as `who` against the real schema (rule tree included) and database. */
export function inProcess(db: Db, settings?: VendorSettings) {
  const schema = buildSchema();
  const logger = createLogger('silent');
  return async (
    query: string,
    who: TokenSpec,
    variables?: Record<string, unknown>,
    purpose: string | null = null,
  ): Promise<InProcessResult> => {
    const principal = principalFromClaims({
      sub: who.sub,
      roles: who.roles,
      patron_id: who.patronId,
      vendor_id: who.vendorId,
      requester_id: who.requesterId,
      scope: who.scope,
    });
    const ctx = createContext(
      db,
      logger,
      { requestId: 'test-request-0001', principal, purpose: purpose as never, viaRouter: false },
      () => new Date(),
      settings,
    );
    const result = await graphql({
      schema,
      source: query,
      variableValues: variables,
      contextValue: ctx,
    });
    return { result, audit: ctx.audit.entries() };
  };
}

/** The error codes of a response, in order. */
export const codes = (errors: readonly { extensions?: Record<string, unknown> }[] | undefined) =>
  (errors ?? []).map((e) => e.extensions?.code);
