// The bench's load generator refuses any answer but HTTP 200 without GraphQL errors
// (bench/http-load.ts), against a real HTTP server on loopback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedLoop, RunFailed, Sender } from '../../bench/http-load.js';
import type { Scenario } from '../../bench/scenarios.js';

const answers: Record<string, [number, string]> = {
  '/ok': [200, '{"data":{"me":{"name":"errors: none"}}}'],
  '/graphql-error': [
    200,
    '{"errors":[{"message":"x","extensions":{"code":"FORBIDDEN"}}],"data":null}',
  ],
  '/http-500': [500, '{"errors":[{"message":"x","extensions":{"code":"AUDIT_UNAVAILABLE"}}]}'],
  '/not-json': [502, 'Bad Gateway'],
};

let server: Server;
let base: string;
beforeAll(async () => {
  const served = new WeakMap<object, number>();
  server = createServer((req, res) => {
    req.resume();
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    // '/closes-idle': the second request on a connection finds it closed (the keep-alive race).
    if (req.headers['x-answer'] === '/closes-idle' && n === 2) return req.socket.destroy();
    const [status, body] = answers[req.headers['x-answer'] as string] ?? answers['/ok']!;
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const scenario = (answer: string): Scenario => ({
  id: '1',
  name: answer,
  headers: { 'content-type': 'application/json', 'x-answer': answer },
  body: '{"query":"{ me { name } }"}',
});

describe('load generator answers', () => {
  it('accepts 200 without an errors member (a value that mentions errors is data)', async () => {
    const s = new Sender(base, scenario('/ok'), 2);
    await expect(s.send()).resolves.toBeUndefined();
    s.close();
  });

  it.each([
    ['/graphql-error', 'HTTP 200 ["FORBIDDEN"]'],
    ['/http-500', 'HTTP 500 ["AUDIT_UNAVAILABLE"]'],
    ['/not-json', 'HTTP 502 (body not JSON)'],
  ])('refuses %s with its status and error codes', async (answer, description) => {
    const s = new Sender(base, scenario(answer), 2);
    await expect(s.send()).rejects.toThrow(new RunFailed(description));
    expect(s.failures).toBe(1);
    expect(s.firstFailure).toBe(description);
    s.close();
  });

  it('sends again, once, a request whose reused connection was closed before any answer', async () => {
    const s = new Sender(base, scenario('/closes-idle'), 1);
    await s.send();
    await s.send(); // its connection is closed under it: sent again on a new one, and answered
    expect({ failures: s.failures, retries: s.retries }).toEqual({ failures: 0, retries: 1 });
    s.close();
  });

  it('a closed loop counts every failed answer and records no latency for them', async () => {
    const s = new Sender(base, scenario('/graphql-error'), 2);
    const run = await closedLoop([s], 2, 0.05);
    expect(run.failures).toBe(run.requests);
    expect(run.firstFailure).toBe('HTTP 200 ["FORBIDDEN"]');
    expect(run.histogram.count).toBe(0);
    s.close();
  });
});
