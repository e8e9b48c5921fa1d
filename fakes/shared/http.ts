/** HTTP plumbing the emulators share: simulated latency, query logging, bodies, answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WireFault } from './fault-list.ts';

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Break the answer on the wire instead (an injected fault, see fault-list.ts). */
  wire?: WireFault;
  /** How long a `timeout` holds the connection at most. */
  holdMs?: number;
}

const DEFAULT_HOLD_MS = 120_000;

/** Waits a random time in the configured range, as a real API's response time varies. */
export async function simulateLatency(range: { min: number; max: number } | null): Promise<void> {
  if (!range) return;
  const ms = range.min + Math.random() * Math.max(0, range.max - range.min);
  if (ms > 0) await sleep(ms);
}

/** Query parameters for the request log; repeated ones (labelIds, metadataHeaders) as arrays. */
export function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    result[key] = values.length === 1 ? values[0]! : values;
  }
  return result;
}

/** The request body as text, cut at `maxBytes` (token requests are tiny forms). */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes an answer; objects go out as JSON with the API's own content type. */
export function sendAnswer(res: ServerResponse, answer: Answer, jsonContentType: string): void {
  if (answer.wire === 'reset') {
    // An RST, not a FIN: the client sees ECONNRESET, as when a load balancer drops a connection.
    res.socket?.resetAndDestroy();
    return;
  }
  if (answer.wire === 'timeout') {
    // Nothing is ever written; the client's own timeout has to notice. Dropped at the cap so a
    // client without a timeout does not keep the emulator's socket forever.
    const timer = setTimeout(() => res.socket?.destroy(), answer.holdMs ?? DEFAULT_HOLD_MS);
    res.once('close', () => clearTimeout(timer));
    return;
  }
  const headers: Record<string, string> = { ...answer.headers };
  let payload: string;
  if (typeof answer.body === 'string') {
    payload = answer.body;
  } else {
    payload = JSON.stringify(answer.body);
    headers['content-type'] ??= jsonContentType;
  }
  if (answer.wire === 'truncate' && payload.length > 1) {
    // A complete HTTP answer whose JSON stops in the middle (what a broken proxy or a
    // gateway that lost its upstream sends): Content-Length matches what is sent.
    payload = payload.slice(0, Math.max(1, Math.floor(payload.length * (0.2 + Math.random() * 0.6))));
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(answer.status, headers);
  res.end(payload);
}
