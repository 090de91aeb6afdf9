// The supergraph of the local graph: each subgraph's SDL fetched over HTTP (`_service { sdl }`,
// with the router secret for ours) and composed by @apollo/composition, the composition Apollo
// Router and @apollo/gateway use. Both gateways of the tests serve this one supergraph.
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

export interface SubgraphEndpoint {
  name: string;
  url: string;
  /** Headers only this subgraph gets (the router secret). */
  headers?: Record<string, string>;
}

async function sdlOf(subgraph: SubgraphEndpoint): Promise<string> {
  const res = await fetch(subgraph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...subgraph.headers },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
  });
  const body = (await res.json()) as { data?: { _service: { sdl: string } } };
  if (!body.data) throw new Error(`${subgraph.name}: no SDL (HTTP ${res.status})`);
  return body.data._service.sdl;
}

export async function composeSupergraph(subgraphs: SubgraphEndpoint[]): Promise<string> {
  const services = await Promise.all(
    subgraphs.map(async (s) => ({ name: s.name, url: s.url, typeDefs: parse(await sdlOf(s)) })),
  );
  const result = composeServices(services);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}
