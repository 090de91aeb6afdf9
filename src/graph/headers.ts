// What a gateway forwards from the caller to the subgraphs: the user's token, the stated purpose,
// the request id and the W3C trace context. The router secret goes to the patron-records subgraph
// only (docs/federation.md).
const FORWARDED_HEADERS = [
  'authorization',
  'x-access-purpose',
  'x-request-id',
  'traceparent',
  'tracestate',
] as const;

export const PATRONS_SUBGRAPH = 'patrons';

/** The headers one subgraph request carries, from the caller's. */
export function subgraphHeaders(
  subgraph: string,
  incoming: (name: string) => string | null | undefined,
  routerSecret: string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = incoming(name);
    if (value) out[name] = value;
  }
  if (routerSecret && subgraph === PATRONS_SUBGRAPH) out['x-router-secret'] = routerSecret;
  return out;
}
