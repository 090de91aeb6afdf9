// Apollo Server's own log lines go through pino, cut at the first colon: Apollo appends the
// error's text ("Unexpected error processing request: <error>"), and a database error's text
// carries its query parameters.
import type { ApolloServerOptions, BaseContext } from '@apollo/server';
import type { Logger } from '../logger.js';

type ApolloLogger = NonNullable<ApolloServerOptions<BaseContext>['logger']>;

function headline(message: unknown): string {
  const text =
    typeof message === 'string'
      ? message
      : message instanceof Error
        ? message.constructor.name
        : 'apollo-server message';
  const cut = text.indexOf(':');
  return cut === -1 ? text : text.slice(0, cut);
}

export function apolloLogger(logger: Logger): ApolloLogger {
  const child = logger.child({ source: 'apollo-server' });
  return {
    debug: (m?: unknown) => child.debug(headline(m)),
    info: (m?: unknown) => child.info(headline(m)),
    warn: (m?: unknown) => child.warn(headline(m)),
    error: (m?: unknown) => child.error(headline(m)),
  };
}
