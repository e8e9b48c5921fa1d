/**
 * The one error vocabulary every provider maps its failures to:
 * - `throttled`: slow down; `retryAfterMs` says for how long when the provider told us.
 * - `cursor_expired`: the stored cursor is no longer valid; start a full resync (never treat
 *   it as an empty page).
 * - `auth_revoked`: the grant is gone (invalid_grant); the account needs re-authorisation.
 * - `transient`: a network error or 5xx; retry with backoff.
 * - `permanent`: retrying cannot help (a bad request, a missing mailbox).
 */
export type ProviderErrorKind = 'throttled' | 'cursor_expired' | 'auth_revoked' | 'transient' | 'permanent';

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  readonly retryAfterMs: number | null;
  readonly status: number | null;

  constructor(
    kind: ProviderErrorKind,
    message: string,
    options: { provider: string; retryAfterMs?: number | null; status?: number | null; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.provider = options.provider;
    this.retryAfterMs = options.retryAfterMs ?? null;
    this.status = options.status ?? null;
  }

  get retryable(): boolean {
    return this.kind === 'throttled' || this.kind === 'transient' || this.kind === 'cursor_expired';
  }
}

export function isProviderError(error: unknown, kind?: ProviderErrorKind): error is ProviderError {
  return error instanceof ProviderError && (kind === undefined || error.kind === kind);
}
