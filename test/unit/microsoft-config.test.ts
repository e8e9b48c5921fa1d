import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireMicrosoftCredentials } from '../../src/config/env.ts';

describe('Microsoft configuration', () => {
  it('defaults to Microsoft’s own endpoints, every kind of account, and Outlook’s request budget', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      MICROSOFT_TENANT: 'common',
      MICROSOFT_GRAPH_URL: 'https://graph.microsoft.com',
      MICROSOFT_LOGIN_URL: 'https://login.microsoftonline.com',
      GRAPH_REQUESTS_PER_10_MINUTES: 10_000,
    });
  });

  it('names the missing credentials when a Microsoft account must sync', () => {
    let error: unknown;
    try {
      requireMicrosoftCredentials(loadConfig({ MICROSOFT_CLIENT_ID: 'id' }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(['MICROSOFT_CLIENT_SECRET']);
    expect(requireMicrosoftCredentials(loadConfig({ MICROSOFT_CLIENT_ID: 'id', MICROSOFT_CLIENT_SECRET: 's' }))).toEqual({
      clientId: 'id',
      clientSecret: 's',
    });
  });

  it('names a bad tenant, URL or budget', () => {
    let error: unknown;
    try {
      loadConfig({ MICROSOFT_TENANT: 'a/b', MICROSOFT_GRAPH_URL: 'ftp://x', GRAPH_REQUESTS_PER_10_MINUTES: '0' });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).variables.sort()).toEqual(['GRAPH_REQUESTS_PER_10_MINUTES', 'MICROSOFT_GRAPH_URL', 'MICROSOFT_TENANT']);
  });
});
