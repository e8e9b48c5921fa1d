/**
 * Who the browser is: a signed session cookie (src/security/signed-token.ts, purpose
 * `session`), httpOnly, SameSite=Lax, Secure when PUBLIC_URL is https. Stateless: the cookie
 * carries the user id and a random session nonce and expires after SESSION_DAYS; signing out
 * clears it. Every form that changes something carries a CSRF token derived from that nonce
 * (HMAC with the link secrets), and a POST whose Origin is not PUBLIC_URL's is refused too.
 *
 * Deliberately left out: server-side session storage (nothing to revoke but the cookie; a
 * stolen cookie lasts until it expires, as with any bearer cookie).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { signToken, verifyToken, type SignedTokenKeys } from '../security/signed-token.ts';

export const SESSION_COOKIE = 'rk_session';
export const OAUTH_COOKIE = 'rk_oauth';
export const SESSION_DAYS = 30;
/** How long a connect flow may take from the button to the callback. */
export const OAUTH_FLOW_SECONDS = 600;

export interface Session {
  userId: string;
  nonce: string;
}

export interface SessionSettings {
  keys: SignedTokenKeys;
  /** PUBLIC_URL: decides Secure cookies and the Origin POSTs must come from. */
  publicUrl: string;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

export function cookieHeader(
  settings: SessionSettings,
  name: string,
  value: string,
  options: { maxAgeSeconds: number; path?: string },
): string {
  const secure = settings.publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${name}=${value}; Path=${options.path ?? '/'}; Max-Age=${options.maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
}

export function readSession(settings: SessionSettings, request: FastifyRequest): Session | null {
  const raw = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
  if (!raw) return null;
  const verified = verifyToken<{ u?: unknown; n?: unknown }>(settings.keys, 'session', raw);
  if (!verified.ok || typeof verified.payload.u !== 'string' || typeof verified.payload.n !== 'string') return null;
  return { userId: verified.payload.u, nonce: verified.payload.n };
}

export function startSession(settings: SessionSettings, reply: FastifyReply, userId: string): Session {
  const session = { userId, nonce: randomBytes(16).toString('base64url') };
  const maxAge = SESSION_DAYS * 86_400;
  const token = signToken(settings.keys, 'session', { u: session.userId, n: session.nonce }, new Date(Date.now() + maxAge * 1000));
  appendCookie(reply, cookieHeader(settings, SESSION_COOKIE, token, { maxAgeSeconds: maxAge }));
  return session;
}

export function endSession(settings: SessionSettings, reply: FastifyReply): void {
  appendCookie(reply, cookieHeader(settings, SESSION_COOKIE, '', { maxAgeSeconds: 0 }));
}

export function appendCookie(reply: FastifyReply, cookie: string): void {
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  void reply.header('set-cookie', [...list, cookie]);
}

function csrfMac(secret: string, session: Session): Buffer {
  return createHmac('sha256', secret).update(`csrf|${session.userId}|${session.nonce}`).digest();
}

/** The token every state-changing form of this session carries. */
export function csrfToken(settings: SessionSettings, session: Session): string {
  return csrfMac(settings.keys.secrets[0]!, session).toString('base64url');
}

/**
 * True when a POST may change this session's data: it carries this session's CSRF token, and
 * its Origin (when the browser sent one) is the app's own.
 */
export function csrfOk(settings: SessionSettings, session: Session, request: FastifyRequest, given: unknown): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== new URL(settings.publicUrl).origin) return false;
  if (typeof given !== 'string' || given.length === 0) return false;
  const presented = Buffer.from(given, 'base64url');
  return settings.keys.secrets.some((secret) => {
    const expected = csrfMac(secret, session);
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  });
}
