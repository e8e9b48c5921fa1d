/** HTTP plumbing the emulators share: simulated latency, query logging, bodies, answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

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
  const headers: Record<string, string> = { ...answer.headers };
  let payload: string;
  if (typeof answer.body === 'string') {
    payload = answer.body;
  } else {
    payload = JSON.stringify(answer.body);
    headers['content-type'] ??= jsonContentType;
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(answer.status, headers);
  res.end(payload);
}
