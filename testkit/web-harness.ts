/**
 * Test support for the web app: a config pointed at both emulators, a cookie jar for
 * `app.inject`, and the OAuth dance — our /connect, the emulator's consent (over real HTTP),
 * our callback — exactly as a browser would walk it.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../src/config/env.ts';
import type { GoogleEmulator } from '../fakes/google/index.ts';
import type { GraphEmulator } from '../fakes/microsoft/index.ts';
import type { TestDatabase } from './test-database.ts';
import { redisUrl } from './test-redis.ts';

export const LINK_SECRET = 'l'.repeat(20) + randomBytes(16).toString('hex');
export const KEY_1 = `k1:${randomBytes(32).toString('base64')}`;
export const KEY_2 = `k2:${randomBytes(32).toString('base64')}`;
export const ADMIN_PASSWORD = 'correct horse battery staple';

export function webTestConfig(
  database: TestDatabase,
  prefix: string,
  emulators: { google: GoogleEmulator; graph?: GraphEmulator },
  overrides: Record<string, string> = {},
): Config {
  const { google, graph } = emulators;
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    PUBLIC_URL: 'http://rekindle.test',
    LINK_SECRETS: LINK_SECRET,
    TOKEN_ENCRYPTION_KEYS: KEY_1,
    ADMIN_PASSWORD,
    GOOGLE_CLIENT_ID: google.clientId,
    GOOGLE_CLIENT_SECRET: google.clientSecret,
    GOOGLE_API_URL: google.url,
    GOOGLE_TOKEN_URL: google.tokenUrl,
    GOOGLE_AUTH_URL: google.authUrl,
    ...(graph
      ? {
          MICROSOFT_CLIENT_ID: graph.clientId,
          MICROSOFT_CLIENT_SECRET: graph.clientSecret,
          MICROSOFT_GRAPH_URL: graph.graphUrl,
          MICROSOFT_LOGIN_URL: graph.loginUrl,
        }
      : {}),
    SCHEDULER_TICK_SECONDS: '0.2',
    // The tests' Dovecot and Radicale listen on loopback (security-web.test.ts turns this off).
    ALLOW_PRIVATE_SERVERS: 'true',
    ...overrides,
  });
}

/** Cookies by name, as a browser keeps them (Max-Age=0 removes). */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  take(setCookie: string | string[] | number | undefined): void {
    if (setCookie === undefined || typeof setCookie === 'number') return;
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [k, v] of this.cookies) copy.cookies.set(k, v);
    return copy;
  }
}

export interface ConnectSteps {
  /** Our /connect answer: a redirect to the provider's authorize URL. */
  authorizeUrl: URL;
  /** Where the provider sent the browser back (our callback, with code and state). */
  callbackUrl: URL;
}

/** /connect/:provider → the emulator's consent (real HTTP) → our callback URL, not yet followed. */
export async function startConnect(
  app: FastifyInstance,
  jar: CookieJar,
  provider: 'google' | 'microsoft',
  query = '',
): Promise<ConnectSteps> {
  const start = await app.inject({ method: 'GET', url: `/connect/${provider}${query}`, headers: { cookie: jar.header() } });
  if (start.statusCode !== 302) throw new Error(`/connect answered ${start.statusCode}: ${start.body}`);
  jar.take(start.headers['set-cookie']);
  const authorizeUrl = new URL(String(start.headers.location));
  const consent = await fetch(authorizeUrl, { redirect: 'manual' });
  if (consent.status !== 302) throw new Error(`consent answered ${consent.status}: ${await consent.text()}`);
  return { authorizeUrl, callbackUrl: new URL(consent.headers.get('location')!) };
}

export async function followCallback(app: FastifyInstance, jar: CookieJar, callbackUrl: URL) {
  const response = await app.inject({
    method: 'GET',
    url: `${callbackUrl.pathname}${callbackUrl.search}`,
    headers: { cookie: jar.header() },
  });
  jar.take(response.headers['set-cookie']);
  return response;
}

/** The whole dance; returns the callback's answer. */
export async function connectThroughConsent(app: FastifyInstance, jar: CookieJar, provider: 'google' | 'microsoft', query = '') {
  const steps = await startConnect(app, jar, provider, query);
  return { ...steps, response: await followCallback(app, jar, steps.callbackUrl) };
}

/** The hidden CSRF field of a page. */
export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no csrf field on the page');
  return match[1]!;
}

export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
