/**
 * How googleapis requests reach Google: a gaxios `adapter` that sends them with Node's own
 * http/https client over keep-alive agents shared by every account of the process, instead
 * of gaxios's default node-fetch. googleapis still builds every request (URL, query, auth
 * header, error bodies) and gaxios still runs its pipeline (timeouts, status checks, errors);
 * only the transport differs, and the wire format is the same.
 *
 * Why: a sync is one `messages.get` per message, so the client's cost per request bounds how
 * many messages one worker process syncs per second. Measured against the emulator (2 cores,
 * 100 requests in flight), googleapis over node-fetch spent about 600 µs of CPU per request,
 * over this adapter about 280 µs, most of the rest being googleapis itself
 * (`npm run bench`, docs/scaling.md).
 *
 * Anything this transport does not need for Gmail and Calendar JSON calls is handed to the
 * default adapter unchanged: streamed or binary responses, streamed or form bodies, and
 * requests that carry their own agent (proxies). Redirects are not followed (Google's JSON
 * APIs do not redirect); compressed answers (gzip, deflate, br) are decompressed.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
// gaxios as google-auth-library (and so the API clients) sees it: gaxios ships two builds whose types do not mix.
import type { gaxios } from 'google-auth-library';
import { BrokenAnswerError, declaresJson } from './broken-answer.ts';

const agentOptions = { keepAlive: true, scheduling: 'lifo' as const, maxFreeSockets: 256 };
const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };

type Adapter = NonNullable<gaxios.GaxiosOptions['adapter']>;
type Prepared = Parameters<Adapter>[0];

export const googleTransport: Adapter = <T>(options: Prepared, fallback: (options: Prepared) => Promise<gaxios.GaxiosResponse<T>>) => {
  const { body } = options;
  const simpleBody = body === undefined || body === null || typeof body === 'string' || Buffer.isBuffer(body);
  const simpleResponse =
    options.responseType === undefined ||
    options.responseType === 'json' ||
    options.responseType === 'text' ||
    options.responseType === 'unknown';
  const url = options.url;
  if (!simpleBody || !simpleResponse || options.agent || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return fallback(options);
  }
  const headers: Record<string, string> = {};
  options.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return new Promise<gaxios.GaxiosResponse<T>>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: options.method ?? 'GET',
        headers,
        agent: agents[url.protocol as 'http:' | 'https:'],
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (response) => {
        const stream = decoded(response);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', reject);
        stream.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          let data: unknown;
          try {
            data = parse(text, options.responseType, responseHeaders.get('content-type'));
          } catch {
            reject(new BrokenAnswerError(response.statusCode ?? 0, text.length));
            return;
          }
          const result = {
            config: options,
            data,
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? '',
            headers: responseHeaders,
            ok: (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300,
            url: url.href,
            redirected: false,
            // What a read fetch Response says; GaxiosError keeps `data` of an error only then.
            bodyUsed: true,
          };
          resolve(result as unknown as gaxios.GaxiosResponse<T>);
        });
      },
    );
    request.on('error', reject);
    request.end(body ?? undefined);
  });
};

function decoded(response: http.IncomingMessage): Readable {
  switch ((response.headers['content-encoding'] ?? '').toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return response.pipe(zlib.createGunzip());
    case 'deflate':
      return response.pipe(zlib.createInflate());
    case 'br':
      return response.pipe(zlib.createBrotliDecompress());
    default:
      return response;
  }
}

/**
 * JSON when asked or served as JSON, else text. Unlike gaxios's default adapter, which hands a
 * JSON answer that does not parse on as a string, this throws: see broken-answer.ts.
 */
function parse(text: string, responseType: Prepared['responseType'], contentType: string | null): unknown {
  const json = responseType === 'json' || ((responseType === undefined || responseType === 'unknown') && declaresJson(contentType));
  if (!json) return text;
  // An empty body is not a broken one (a 204, a HEAD).
  return text === '' ? text : JSON.parse(text);
}
