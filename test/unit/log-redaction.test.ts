import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';

/** The process logger, writing into an array. */
function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger('trace', { write: (line: string) => void lines.push(line) }) };
}

describe('the process logger keeps secrets out', () => {
  it('logs an error as its type, message, code and status, not the request a client library hung on it', () => {
    const { lines, logger } = capture();
    const error = Object.assign(new Error('invalid_grant'), {
      code: '400',
      status: 400,
      config: {
        url: 'https://oauth2.example/token',
        headers: { Authorization: 'Bearer ya29.secret-access' },
        data: 'refresh_token=1//secret-refresh&client_secret=s3cret',
      },
      parameters: ['rk1.k1.ciphertext'],
    });
    logger.error({ err: error }, 'token refresh failed');
    const [line] = lines.map((l) => JSON.parse(l) as { err: Record<string, unknown> });
    expect(line!.err).toMatchObject({ type: 'Error', message: 'invalid_grant', code: '400', status: 400 });
    expect(Object.keys(line!.err).sort()).toEqual(['code', 'message', 'stack', 'status', 'type']);
    expect(lines.join('')).not.toMatch(/secret-access|secret-refresh|s3cret|ciphertext/);
  });

  it('censors token, secret, password and authorization fields logged by mistake', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        refresh_token: 'r-1',
        tokens: { access_token: 'a-1', refreshToken: 'r-2' },
        headers: { authorization: 'Basic x' },
        password: 'p',
        smtp: { password: 'p2' },
      },
      'oops',
    );
    expect(lines.join('')).not.toMatch(/r-1|a-1|r-2|Basic x|"p"|p2/);
    expect(lines.join('')).toContain('[redacted]');
  });
});
