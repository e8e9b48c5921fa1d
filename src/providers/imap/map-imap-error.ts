import { ProviderError } from '../provider-error.ts';
import { UNTRUSTED_CERTIFICATE } from '../../security/untrusted-certificate.ts';

/**
 * Why talking to an IMAP server failed, in words a person can act on. The connect check
 * (src/accounts/check-imap-mailbox.ts) shows `message` as it is; the sync maps `kind` onto the
 * provider vocabulary (src/providers/provider-error.ts).
 */
export type ImapFailureReason =
  | 'wrong_password'
  | 'login_refused'
  | 'untrusted_certificate'
  | 'not_imap'
  | 'unreachable'
  | 'private_address'
  | 'throttled'
  | 'connection_lost'
  | 'server_error';

export interface ImapFailure {
  reason: ImapFailureReason;
  message: string;
}

/** The connection is gone or never came up; trying again later may work. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'CONNECT_TIMEOUT']);
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ETIMEOUT', 'NoConnection', 'EConnectionClosed', 'StateLogout']);
/** Whatever answered does not speak IMAP: no greeting, or a greeting IMAP cannot read. */
const NOT_IMAP = new Set(['GREETING_TIMEOUT', 'ClosedAfterConnectText', 'InvalidResponse', 'UnexpectedTag', 'MissingTag']);

interface ImapFlowLikeError {
  code?: string;
  authenticationFailed?: boolean;
  serverResponseCode?: string;
  responseStatus?: string;
  responseText?: string;
  response?: unknown;
  throttleReset?: number;
  message?: string;
}

export function describeImapFailure(error: unknown, where: { host: string; port: number }): ImapFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ImapFlowLikeError;
  const code = e.code ?? '';
  const text = `${e.responseText ?? ''} ${e.message ?? ''} ${typeof e.response === 'string' ? e.response : ''}`;
  const server = `${where.host}:${where.port}`;
  if (code === 'ERR_PRIVATE_ADDRESS') {
    // Refused before any connection was made (src/security/network-guard.ts): nothing about the port is known.
    return {
      reason: 'private_address',
      message: `${where.host} is on a private or local network, and this rekindle connects only to servers on the internet (its operator can allow private networks with ALLOW_PRIVATE_SERVERS).`,
    };
  }
  if (UNTRUSTED_CERTIFICATE.has(code)) {
    return {
      reason: 'untrusted_certificate',
      message: `The certificate of ${server} is not trusted (${code}). If this is your own server and its certificate is self-signed, you can choose to accept it for this server only.`,
    };
  }
  if (/login is disabled|LOGINDISABLED|PRIVACYREQUIRED|plaintext auth/i.test(text) || e.serverResponseCode === 'PRIVACYREQUIRED') {
    return {
      reason: 'login_refused',
      message: `${server} refuses to log in over this connection. Choose TLS (port 993) or STARTTLS, and check that IMAP access is switched on in your mail settings.`,
    };
  }
  if (e.authenticationFailed || e.serverResponseCode === 'AUTHENTICATIONFAILED' || e.serverResponseCode === 'AUTHORIZATIONFAILED') {
    return {
      reason: 'wrong_password',
      message: `${server} did not accept this user name and password. Use an app password made for rekindle (your normal password usually does not work for IMAP when two-step sign-in is on).`,
    };
  }
  if (code === 'ETHROTTLE' || e.serverResponseCode === 'LIMIT') {
    return { reason: 'throttled', message: `${server} asks to slow down.` };
  }
  if (
    NOT_IMAP.has(code) ||
    code.startsWith('ParserError') ||
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    /wrong version number|packet length too long/i.test(text)
  ) {
    return {
      reason: 'not_imap',
      message: `${server} does not answer like an IMAP server. Check the host and port (IMAP is usually 993 with TLS, or 143 with STARTTLS).`,
    };
  }
  if (UNREACHABLE.has(code)) return { reason: 'unreachable', message: `${server} cannot be reached (${code}).` };
  if (CONNECTION_LOST.has(code)) return { reason: 'connection_lost', message: `The connection to ${server} was lost (${code}).` };
  return {
    reason: 'server_error',
    message: `${server} answered with an error: ${(e.responseText || e.message || String(error)).slice(0, 200)}`,
  };
}

/** The provider vocabulary: what the sync engine does next. */
export function mapImapError(error: unknown, where: { host: string; port: number }): ProviderError {
  if (error instanceof ProviderError) return error;
  const failure = describeImapFailure(error, where);
  const options = { provider: 'imap', cause: error };
  switch (failure.reason) {
    // The app password was revoked or changed: the person has to give a new one.
    case 'wrong_password':
      return new ProviderError('auth_revoked', failure.message, options);
    case 'throttled': {
      const reset = (error as ImapFlowLikeError).throttleReset;
      return new ProviderError('throttled', failure.message, { ...options, retryAfterMs: typeof reset === 'number' ? reset : 60_000 });
    }
    case 'untrusted_certificate':
    case 'login_refused':
    case 'not_imap':
    case 'private_address':
      return new ProviderError('permanent', failure.message, options);
    default:
      return new ProviderError('transient', failure.message, options);
  }
}

/** A failure of the connection itself, after which a fresh connection may well succeed. */
export function isConnectionLost(error: unknown): boolean {
  const code = (error as ImapFlowLikeError | null)?.code ?? '';
  return CONNECTION_LOST.has(code) || code === 'ECONNREFUSED';
}
