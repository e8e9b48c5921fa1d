/**
 * The transport googleapis requests travel over (src/providers/google/google-transport.ts):
 * real googleapis against a real local HTTP server. What matters: answers read exactly as
 * gaxios' own transport reads them (compressed, error bodies, headers), and connections kept
 * alive across requests instead of one per request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { gmail as gmailApi } from '@googleapis/gmail';
import { afterEach, describe, expect, it } from 'vitest';
import { googleTransport } from '../../src/providers/google/google-transport.ts';

const servers: { close(): void; closeAllConnections(): void }[] = [];

afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  servers.push(server);
  return { root: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, connections: () => connections };
}

const gmail = (root: string) => gmailApi({ version: 'v1', rootUrl: root, retry: false, adapter: googleTransport });

describe('google transport', () => {
  it('reads gzip and brotli answers as JSON, as googleapis asks for gzip', async () => {
    const seen: (string | undefined)[] = [];
    const { root } = await serve((req, res) => {
      seen.push(req.headers['accept-encoding']);
      const body = JSON.stringify({ emailAddress: 'ann@example.com', historyId: '42' });
      const brotli = req.url?.includes('brotli');
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-encoding': brotli ? 'br' : 'gzip' });
      res.end(brotli ? brotliCompressSync(body) : gzipSync(body));
    });
    const profile = await gmail(root).users.getProfile({ userId: 'me' });
    expect(profile.data).toEqual({ emailAddress: 'ann@example.com', historyId: '42' });
    expect(seen[0]).toContain('gzip');
    const other = await gmail(root).users.getProfile({ userId: 'brotli' });
    expect(other.data.historyId).toBe('42');
  });

  it('keeps connections alive: many requests, as many connections as were in flight at once', async () => {
    const { root, connections } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'm1' }));
    });
    const client = gmail(root);
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 5 }, () => client.users.messages.get({ userId: 'me', id: 'm1', format: 'metadata' })));
    }
    expect(connections()).toBeLessThanOrEqual(5);
  });

  it('keeps an error answer’s body, headers and status for the error mapping', async () => {
    const { root } = await serve((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json', 'retry-after': '3' });
      res.end(JSON.stringify({ error: { code: 403, message: 'slow down', errors: [{ reason: 'userRateLimitExceeded' }] } }));
    });
    const error = await gmail(root)
      .users.getProfile({ userId: 'me' })
      .then(
        () => null,
        (e: unknown) => e as { status?: number; message: string; response?: { data: unknown; headers: Headers } },
      );
    expect(error?.status).toBe(403);
    expect(error?.message).toBe('slow down');
    expect(error?.response?.headers.get('retry-after')).toBe('3');
    expect(error?.response?.data).toMatchObject({ error: { errors: [{ reason: 'userRateLimitExceeded' }] } });
  });

  it('hands streamed answers to gaxios’ own transport', async () => {
    const { root } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end('raw bytes');
    });
    const answer = await gmail(root).users.getProfile({ userId: 'me' }, { responseType: 'stream' });
    const chunks: Buffer[] = [];
    for await (const chunk of answer.data as unknown as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks).toString()).toBe('raw bytes');
  });
});
