// At most MAX_CONCURRENT_REQUESTS GraphQL requests run at once (src/http/concurrency-gate.ts): the
// others wait in arrival order before any work is done for them, and a client that leaves while
// waiting gives its turn to the next. A real HTTP server and real connections.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, test } from 'vitest';
import { concurrencyGate } from '../../src/http/concurrency-gate.js';

let server: http.Server | null = null;
afterEach(() => server?.close());

/** A server whose handler holds each request until the test lets it go, by name. */
async function heldServer(limit: number) {
  const entered: string[] = [];
  const waiters = new Map<string, () => void>();
  const app = express();
  app.use(concurrencyGate(limit), (req, res) => {
    const name = String(req.query.name);
    entered.push(name);
    waiters.set(name, () => res.end(name));
  });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const request = (name: string) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/?name=${name}`, agent });
    const body = new Promise<string>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
    });
    return { req, body };
  };
  const until = async (n: number) => {
    for (let i = 0; i < 200 && entered.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  };
  const settle = () => new Promise((r) => setTimeout(r, 100));
  const release = (name: string) => waiters.get(name)!();
  return { entered, request, until, settle, release };
}

describe('MAX_CONCURRENT_REQUESTS', () => {
  test('two run, the others wait and start in arrival order as the running ones finish', async () => {
    const s = await heldServer(2);
    const a = s.request('a');
    await s.until(1);
    const b = s.request('b');
    await s.until(2);
    const c = s.request('c');
    await s.settle();
    const d = s.request('d');
    await s.settle();
    expect(s.entered).toEqual(['a', 'b']);
    s.release('b');
    expect(await b.body).toBe('b');
    await s.until(3);
    await s.settle();
    expect(s.entered).toEqual(['a', 'b', 'c']);
    s.release('a');
    await s.until(4);
    expect(s.entered).toEqual(['a', 'b', 'c', 'd']);
    s.release('c');
    s.release('d');
    expect(await Promise.all([a.body, c.body, d.body])).toEqual(['a', 'c', 'd']);
  });

  test('a client that leaves while waiting is never run, and the next one takes its turn', async () => {
    const s = await heldServer(1);
    const a = s.request('a');
    await s.until(1);
    const gone = s.request('gone');
    gone.req.on('error', () => undefined);
    gone.body.catch(() => undefined);
    await s.settle();
    const c = s.request('c');
    await s.settle();
    gone.req.destroy();
    await s.settle();
    s.release('a');
    expect(await a.body).toBe('a');
    await s.until(2);
    await s.settle();
    expect(s.entered).toEqual(['a', 'c']);
    s.release('c');
    expect(await c.body).toBe('c');
  });
});
