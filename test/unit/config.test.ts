import { describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, loadConfig, requireGoogleCredentials } from '../../src/config/env.ts';

describe('config', () => {
  it('takes defaults for unset and empty variables', () => {
    const config = loadConfig({ PORT: '' });
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/rekindle');
    expect(config.STORE_SUBJECTS).toBe(true);
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x/y', STORE_SUBJECTS: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables.sort()).toEqual(['DATABASE_URL', 'PORT', 'STORE_SUBJECTS']);
    expect((error as ConfigError).message).toMatch(/PORT: /);
  });

  it('warns, naming PUBLIC_URL, when production runs on an http:// address, and only then', () => {
    const warnings = configWarnings(loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'http://rekindle.example.com' }));
    expect(warnings.map((w) => w.variable)).toEqual(['PUBLIC_URL']);
    expect(warnings[0]!.message).toMatch(/^is http:\/\/ in production/);
    expect(configWarnings(loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://rekindle.example.com' }))).toEqual([]);
    expect(configWarnings(loadConfig({ NODE_ENV: 'development', PUBLIC_URL: 'http://localhost:3000' }))).toEqual([]);
  });

  it('parses booleans and numbers', () => {
    const config = loadConfig({ STORE_SUBJECTS: 'false', SYNC_INTERVAL_MINUTES: '2.5' });
    expect(config.STORE_SUBJECTS).toBe(false);
    expect(config.SYNC_INTERVAL_MINUTES).toBe(2.5);
  });

  it('names missing Google credentials when a Google account must sync', () => {
    expect(() => requireGoogleCredentials(loadConfig({ GOOGLE_CLIENT_ID: 'id' }))).toThrow(/GOOGLE_CLIENT_SECRET/);
  });
});
