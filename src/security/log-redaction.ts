/**
 * What a log line may carry of an error or a request, whatever code logs it. pino's default
 * error serializer copies every enumerable property, and client libraries hang their request on
 * their errors — googleapis' errors carry the request config with its `Authorization: Bearer`
 * header and, from the token endpoint, a body with the refresh token and client secret;
 * postgres.js errors carry the query's parameters. So an error is logged as its type, message,
 * code, HTTP status and stack, nothing else; and a few field names are censored wherever
 * they appear one level down, in case an object is logged whole by mistake.
 */
import { createHash } from 'node:crypto';
import type { LoggerOptions } from 'pino';

export interface SafeError {
  type: string;
  message: string;
  code?: string | number;
  status?: number;
  stack?: string;
}

export function safeError(value: unknown): SafeError | unknown {
  if (!(value instanceof Error)) return value;
  const { code, status } = value as { code?: unknown; status?: unknown };
  return {
    type: value.name,
    message: value.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof status === 'number' ? { status } : {}),
    ...(value.stack ? { stack: value.stack } : {}),
  };
}

/**
 * A stand-in for a value a stranger chose (an inbound message's Message-ID) in log lines: the
 * same value always gives the same stand-in, so lines about one message can be found together,
 * but nothing the sender wrote reaches the log.
 */
export function logHash(value: string): string {
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 16)}`;
}

const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'access_token',
  'refresh_token',
  'accessToken',
  'refreshToken',
  'client_secret',
  'clientSecret',
  'password',
  'secret',
  'cookie',
];

/** pino options every process logger uses. */
export const LOG_REDACTION: Pick<LoggerOptions, 'serializers' | 'redact'> = {
  serializers: { err: safeError, error: safeError },
  redact: { paths: [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`)], censor: '[redacted]' },
};
