import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/env.ts';
import type { Sql } from '../db/client.ts';
import type { SignedTokenKeys } from '../security/signed-token.ts';
import type { TokenCipher } from '../security/token-cipher.ts';
import type { SessionSettings } from './session.ts';

/** What the web app's routes share. */
export interface WebDeps {
  sql: Sql;
  config: Config;
  keys: SignedTokenKeys;
  cipher: TokenCipher;
  logger: Logger;
  session: SessionSettings;
}

/** Form fields of an urlencoded POST (the app's scope parses them into a plain object). */
export function formOf(request: FastifyRequest): Record<string, string> {
  const body = request.body;
  return body && typeof body === 'object' ? (body as Record<string, string>) : {};
}

export const PROVIDERS = ['google', 'microsoft'] as const;
export type WebProvider = (typeof PROVIDERS)[number];
export const PROVIDER_LABEL: Record<string, string> = { google: 'Google', microsoft: 'Microsoft', imap: 'IMAP', local: 'Imported files' };

/** The label of a provider named by a request, or null: only the map's own keys (not `constructor`, `__proto__`). */
export function providerLabel(name: string): string | null {
  return Object.hasOwn(PROVIDER_LABEL, name) ? PROVIDER_LABEL[name]! : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether an id taken from a URL is a UUID, as every row id is: anything else is answered 404 before Postgres sees it. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function providerConfigured(config: Config, provider: WebProvider): boolean {
  return provider === 'google'
    ? Boolean(config.GOOGLE_CLIENT_ID && config.GOOGLE_CLIENT_SECRET)
    : Boolean(config.MICROSOFT_CLIENT_ID && config.MICROSOFT_CLIENT_SECRET);
}

/** The providers this server is set up for (both client id and secret given). */
export function offeredProviders(config: Config): WebProvider[] {
  return PROVIDERS.filter((p) => providerConfigured(config, p));
}

export function callbackUrl(config: Config, provider: WebProvider): string {
  return `${config.PUBLIC_URL.replace(/\/+$/, '')}/oauth/${provider}/callback`;
}
