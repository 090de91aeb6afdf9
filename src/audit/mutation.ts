// Atomic mutations: a mutation runs in one transaction, and its decision and every audit row
// recorded while it ran are appended in that same transaction, as its last statement, so that the
// write and its record commit together or not at all. The chain's lock is therefore held only from
// the append to the commit, as for any request's append: unrelated requests are not serialised
// behind a mutation's work. Rows of the payload's fields, resolved after the commit, go through the
// response's append and stay fail-closed like any read.
import type { GraphQLResolveInfo } from 'graphql';
import type { IMiddlewareTypeMap } from 'graphql-middleware';
import type { GraphQLContext } from '../graphql/context.js';
import { isTypedError } from '../graphql/typed-errors.js';
import { mutationBasis, mutationSubject } from '../authz/shield/mutation-basis.js';
import type { AuditWriter, ChainPosition } from './writer.js';

type Resolve = (
  parent: unknown,
  args: Record<string, unknown>,
  ctx: GraphQLContext,
  info: GraphQLResolveInfo,
) => unknown;

const RULE = 'mutation';

/** Field middleware for every Mutation field; runs inside the rule tree (only allowed mutations). */
export function atomicMutations(writer: AuditWriter): IMiddlewareTypeMap {
  const atomic = async (
    resolve: Resolve,
    parent: unknown,
    args: Record<string, unknown>,
    ctx: GraphQLContext,
    info: GraphQLResolveInfo,
  ): Promise<unknown> => {
    const subject = mutationSubject(info.fieldName, args, ctx.principal);
    const basis = await mutationBasis(ctx.authz, subject);
    // Only the caller's own patron id is known to exist before the write has succeeded.
    const failedSubject = subject === ctx.principal.patronId ? subject : null;
    const record = (outcome: 'GRANTED' | 'FAILED') =>
      ctx.audit
        .row(
          outcome === 'GRANTED' ? subject : failedSubject,
          'Mutation',
          null,
          outcome,
          basis.basis,
          basis.ref,
          RULE,
        )
        .addField(info.fieldName);

    let position: ChainPosition | null = null;
    let appending = false;
    let outcome: { value: unknown } | { error: unknown };
    try {
      outcome = await ctx.transaction(async (tx) => {
        let result: { value: unknown } | { error: unknown };
        try {
          result = { value: await resolve(parent, args, ctx, info) };
        } catch (error) {
          // Unexpected: roll everything back (the database may have aborted the transaction).
          if (!isTypedError(error)) throw error;
          // Expected (a typed refusal): writes the service made on purpose before it (a wrong PIN
          // counted) commit with the record of the attempt; its own sub-transactions rolled back.
          result = { error };
        }
        record('value' in result ? 'GRANTED' : 'FAILED');
        appending = true;
        position = await writer.appendWithin(tx, ctx, ctx.audit.facts, ctx.audit.take());
        return result;
      });
    } catch (error) {
      if (appending) {
        // The rows were taken and the transaction rolled back: neither the change nor its record
        // exists. The response is withheld (503 AUDIT_UNAVAILABLE, by the audit plugin).
        ctx.audit.unavailable = true;
        ctx.logger.error(
          {
            err: {
              type: (error as Error)?.constructor?.name,
              code: (error as { code?: string })?.code,
            },
          },
          "audit append in a mutation's transaction failed; the mutation rolled back",
        );
      } else {
        record('FAILED');
      }
      throw error;
    }
    if (position) writer.noteHead(position);
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
  return { Mutation: atomic as never };
}
