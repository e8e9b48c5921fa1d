/**
 * An answer served as JSON that does not parse: the body was cut short on the way (a proxy or
 * a gateway that lost its upstream mid-answer). gaxios hands such a body on as a string, which
 * googleapis and google-auth-library then read as an object with nothing in it — an empty page,
 * or a token answer they crash on. It is a transient failure of the request instead: retry it.
 */
import type { gaxios } from 'google-auth-library';

export class BrokenAnswerError extends Error {
  readonly code = 'EBROKENANSWER';

  constructor(status: number, length: number) {
    super(`Google's answer (${status}) was declared JSON but is not (${length} characters; cut short?)`);
    this.name = 'BrokenAnswerError';
  }
}

export function declaresJson(contentType: string | null | undefined): boolean {
  return /application\/(?:[\w.+-]+\+)?json/i.test(contentType ?? '');
}

type Adapter = NonNullable<gaxios.GaxiosOptions['adapter']>;

/** Wraps gaxios's own adapter (token requests) so a broken JSON answer is an error, not a string. */
export const rejectBrokenJson: Adapter = async <T>(
  options: Parameters<Adapter>[0],
  fallback: (options: Parameters<Adapter>[0]) => Promise<gaxios.GaxiosResponse<T>>,
) => {
  const response = await fallback(options);
  const data: unknown = response.data;
  if (typeof data === 'string' && declaresJson(response.headers?.get('content-type'))) {
    throw new BrokenAnswerError(response.status, data.length);
  }
  return response;
};
