/** The inbound and signing settings: all or nothing, and a clear word naming what is wrong. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, dkimSettings, inboundTls, loadConfig } from '../../src/config/env.ts';
import { replySettingsFrom } from '../../src/replies/reply-settings.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'rekindle-config-'));
const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const keyFile = path.join(dir, 'dkim.pem');
writeFileSync(keyFile, pem);

const error = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return null;
};

describe('reply and signing configuration', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('signs nothing without DKIM settings, and takes the key as PEM, as a PEM with \\n escapes, or as a path', () => {
    expect(dkimSettings(loadConfig({}))).toBeNull();
    for (const key of [pem, pem.replace(/\n/g, '\\n'), keyFile]) {
      expect(dkimSettings(loadConfig({ DKIM_DOMAIN: 'rekindle.example', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: key }))).toEqual({
        domainName: 'rekindle.example',
        keySelector: 's1',
        privateKey: pem,
      });
    }
  });

  it.each([
    [{ DKIM_DOMAIN: 'rekindle.example' }, /DKIM_SELECTOR: DKIM signing needs[\s\S]*DKIM_PRIVATE_KEY: DKIM signing needs/],
    [
      { DKIM_DOMAIN: 'rekindle.example', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: '/nonexistent.pem' },
      /DKIM_PRIVATE_KEY: neither a PEM key nor a readable file/,
    ],
    [
      {
        DKIM_DOMAIN: 'rekindle.example',
        DKIM_SELECTOR: 's1',
        DKIM_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----',
      },
      /DKIM_PRIVATE_KEY: not a PEM private key/,
    ],
  ])('DKIM %j is refused', (env, message) => {
    expect(error(() => dkimSettings(loadConfig(env)))).toMatch(message);
  });

  it.each([
    [{ INBOUND_SMTP_TLS_KEY: '/nonexistent/key.pem' }, /INBOUND_SMTP_TLS_CERT: STARTTLS needs/],
    [{ INBOUND_SMTP_TLS_CERT: '/nonexistent/cert.pem' }, /INBOUND_SMTP_TLS_KEY: STARTTLS needs/],
    [{ INBOUND_SMTP_TLS_KEY: '/nonexistent/key.pem', INBOUND_SMTP_TLS_CERT: '/nonexistent/cert.pem' }, /INBOUND_SMTP_TLS_KEY: cannot read/],
  ])('STARTTLS %j is refused', (env, message) => {
    expect(error(() => inboundTls(loadConfig(env)))).toMatch(message);
  });

  it.each([
    [{ INBOUND_IMAP_URL: 'http://example.com' }, /INBOUND_IMAP_URL/],
    [{ INBOUND_WEBHOOK_SECRET: 'short' }, /INBOUND_WEBHOOK_SECRET: use at least 32 characters/],
    [{ DIGEST_RETURN_PATH: 'somewhere' }, /DIGEST_RETURN_PATH/],
    [{ INBOUND_MAX_BYTES: '10' }, /INBOUND_MAX_BYTES/],
  ])('%j is refused by the schema', (env, message) => {
    expect(error(() => loadConfig(env))).toMatch(message);
  });

  it('reads trusted servers as a lower-cased list, and builds the reply settings from the environment', () => {
    const config = loadConfig({
      TRUSTED_AUTHSERV_IDS: 'MX.Example.com, mx2.example.com,',
      INBOUND_DOMAIN: 'in.example.com',
      LINK_SECRETS: 'x'.repeat(32),
    });
    expect(config.TRUSTED_AUTHSERV_IDS).toEqual(['mx.example.com', 'mx2.example.com']);
    const settings = replySettingsFrom(config);
    expect(settings.authentication).toEqual({ trustedAuthservIds: ['mx.example.com', 'mx2.example.com'], mta: 'in.example.com' });
    expect(settings.linkKeys).toEqual({ secrets: ['x'.repeat(32)] });
    expect(settings.digest).toMatchObject({ inboundDomain: 'in.example.com', returnPath: 'inbound' });
    expect(replySettingsFrom(loadConfig({})).linkKeys).toBeNull();
  });
});
