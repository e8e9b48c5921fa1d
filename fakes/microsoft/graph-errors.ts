/**
 * Error bodies as Microsoft writes them. Graph: `{"error": {"code", "message", "innerError":
 * {"date", "request-id", "client-request-id"}}}` (the graph client surfaces `code`, `message`
 * and the response headers on GraphError). The identity platform: RFC 6749 §5.2 with the
 * AADSTS code in `error_description` and `error_codes`.
 */
import { randomUUID } from 'node:crypto';

export interface GraphErrorBody {
  error: { code: string; message: string; innerError: { date: string; 'request-id': string; 'client-request-id': string } };
}

export function graphError(code: string, message: string): GraphErrorBody {
  const id = randomUUID();
  return {
    error: {
      code,
      message,
      innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': id, 'client-request-id': id },
    },
  };
}

export const invalidToken = () => graphError('InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
export const accessDenied = () => graphError('ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
export const itemNotFound = () => graphError('ErrorItemNotFound', 'The specified object was not found in the store.');
export const badRequest = (message: string, code = 'BadRequest') => graphError(code, message);
export const resourceNotFound = (path: string) =>
  graphError('BadRequest', `Resource not found for the segment '${path.split('/').filter(Boolean).at(-1) ?? ''}'.`);

/** A delta token older than the mailbox keeps state for (Exchange's wording, from the field). */
export const syncStateNotFound = () => graphError('SyncStateNotFound', 'The sync state generation is not found; generation=0;[highest=1].');

export const syncStateInvalid = () => graphError('SyncStateInvalid', 'The sync state token is not valid.');

/** Outlook's per-mailbox limits; Graph sends them with 429 and Retry-After. */
export const mailboxConcurrency = () => graphError('ApplicationThrottled', 'Application is over its MailboxConcurrency limit.');
export const mailboxRequests = () => graphError('ApplicationThrottled', 'Application is over its MailboxRequests limit.');

/** The body an injected fault answers with when the test gives none. */
export function faultBody(status: number): GraphErrorBody {
  switch (status) {
    case 401:
      return invalidToken();
    case 403:
      return accessDenied();
    case 404:
      return itemNotFound();
    case 410:
      return syncStateNotFound();
    case 429:
      return graphError('TooManyRequests', 'Too many requests.');
    case 503:
      return graphError('serviceNotAvailable', 'Service Unavailable');
    case 504:
      return graphError('UnknownError', '');
    default:
      return status >= 500 ? graphError('generalException', 'An unspecified error has occurred.') : badRequest('Bad request.');
  }
}

export interface IdentityErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

/** An identity platform error: `AADSTS<code>: <text>` plus the trace lines Microsoft appends. */
export function identityError(error: string, aadsts: number, text: string, loginUrl: string): IdentityErrorBody {
  const timestamp = new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return {
    error,
    error_description: `AADSTS${aadsts}: ${text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${loginUrl}/error?code=${aadsts}`,
  };
}
