/**
 * Google's JSON error bodies, as the APIs send them. Clients branch on `error.code` and
 * `error.errors[0].reason` (googleapis surfaces both on GaxiosError), so the shapes matter
 * more than the wording.
 *
 * Gmail answers in the current style (with `status`); Calendar still answers in the older
 * style without it, which is what its errors guide shows.
 */

export interface ErrorItem {
  message: string;
  domain: string;
  reason: string;
  location?: string;
  locationType?: string;
}

export interface GoogleErrorBody {
  error: { code: number; message: string; errors: ErrorItem[]; status?: string };
}

export type ApiStyle = 'gmail' | 'calendar';

/** The canonical gRPC status Google's newer APIs put beside an HTTP code. */
const STATUS_OF: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function googleError(
  style: ApiStyle,
  code: number,
  message: string,
  item: Partial<ErrorItem> & { reason: string },
): GoogleErrorBody {
  const errors: ErrorItem[] = [{ message, domain: 'global', ...item }];
  const status = STATUS_OF[code];
  return {
    error: style === 'gmail' && status ? { code, message, errors, status } : { code, message, errors },
  };
}

/** An expired, revoked or unknown access token. googleapis refreshes on this and retries once. */
export function invalidCredentials(style: ApiStyle): GoogleErrorBody {
  const message =
    style === 'gmail'
      ? 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie ' +
        'or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'
      : 'Invalid Credentials';
  return googleError(style, 401, message, {
    reason: 'authError',
    location: 'Authorization',
    locationType: 'header',
  });
}

export function insufficientScopes(style: ApiStyle): GoogleErrorBody {
  return googleError(style, 403, 'Request had insufficient authentication scopes.', {
    reason: 'insufficientPermissions',
  });
}

export function forbidden(style: ApiStyle, message: string): GoogleErrorBody {
  return googleError(style, 403, message, { reason: 'forbidden' });
}

export function notFound(style: ApiStyle): GoogleErrorBody {
  return style === 'gmail'
    ? googleError(style, 404, 'Requested entity was not found.', { reason: 'notFound' })
    : googleError(style, 404, 'Not Found', { reason: 'notFound' });
}

export function invalidArgument(style: ApiStyle, message: string, parameter?: string): GoogleErrorBody {
  return googleError(style, 400, message, {
    reason: style === 'gmail' ? 'invalidArgument' : 'invalid',
    ...(parameter ? { location: parameter, locationType: 'parameter' } : {}),
  });
}

/** Calendar's answer to a sync token it no longer honours. */
export function fullSyncRequired(): GoogleErrorBody {
  return googleError('calendar', 410, 'Sync token is no longer valid, a full sync is required.', {
    reason: 'fullSyncRequired',
  });
}

/**
 * Per-user rate limit. Gmail's 429 names the time to retry in its message; the 403 form is
 * what Google sends for the console's "queries per minute per user" limit.
 */
export function rateLimited(style: ApiStyle, code: 429 | 403, retryAt: Date): GoogleErrorBody {
  if (style === 'calendar') {
    return code === 429
      ? googleError(style, 429, 'Rate Limit Exceeded', { domain: 'usageLimits', reason: 'rateLimitExceeded' })
      : googleError(style, 403, 'User Rate Limit Exceeded', { domain: 'usageLimits', reason: 'userRateLimitExceeded' });
  }
  return code === 429
    ? googleError(style, 429, `User-rate limit exceeded.  Retry after ${retryAt.toISOString()}`, {
        domain: 'usageLimits',
        reason: 'rateLimitExceeded',
      })
    : googleError(
        style,
        403,
        "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service " +
          "'gmail.googleapis.com' for consumer 'project_number:000000000000'.",
        { domain: 'usageLimits', reason: 'userRateLimitExceeded' },
      );
}

/** The body an injected fault answers with when the test gives none. */
export function faultBody(style: ApiStyle, code: number): GoogleErrorBody {
  switch (code) {
    case 401:
      return invalidCredentials(style);
    case 403:
      return rateLimited(style, 403, new Date(Date.now() + 60_000));
    case 404:
      return notFound(style);
    case 410:
      return style === 'calendar' ? fullSyncRequired() : googleError(style, 410, 'Gone', { reason: 'deleted' });
    case 429:
      return rateLimited(style, 429, new Date(Date.now() + 60_000));
    case 500:
      return googleError(style, 500, 'Backend Error', { reason: 'backendError' });
    case 502:
      return googleError(style, 502, 'Bad Gateway', { reason: 'backendError' });
    case 503:
      return googleError(style, 503, 'The service is currently unavailable.', { reason: 'backendError' });
    case 504:
      return googleError(style, 504, 'The request timed out. Please try again.', { reason: 'backendError' });
    default:
      return googleError(style, code, code >= 500 ? 'Backend Error' : 'Bad Request', {
        reason: code >= 500 ? 'backendError' : 'badRequest',
      });
  }
}

/** The token endpoint's own error shape (RFC 6749 §5.2), e.g. invalid_grant. */
export interface OAuthErrorBody {
  error: string;
  error_description?: string;
}

export const REVOKED_GRANT: OAuthErrorBody = {
  error: 'invalid_grant',
  error_description: 'Token has been expired or revoked.',
};
