/**
 * Secrets come from the environment only: no default for any of them, empty in .env.example,
 * passed through docker-compose.yml from the environment with an empty default (the compose
 * file's one literal credential is the development Postgres password, on a network nothing
 * outside reaches), and no key or token committed anywhere in the repository.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, type Config } from '../../src/config/env.ts';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

const SECRETS: (keyof Config)[] = [
  'LINK_SECRETS',
  'TOKEN_ENCRYPTION_KEYS',
  'ADMIN_PASSWORD',
  'GOOGLE_CLIENT_SECRET',
  'MICROSOFT_CLIENT_SECRET',
  'INBOUND_WEBHOOK_SECRET',
  'DKIM_PRIVATE_KEY',
  'INBOUND_IMAP_URL',
];

describe('secrets only from the environment', () => {
  it.each(SECRETS)('%s has no default, is empty in .env.example and comes from the environment in docker-compose.yml', (variable) => {
    expect(loadConfig({})[variable]).toBeUndefined();
    expect(read('.env.example')).toMatch(new RegExp(`^${variable}=$`, 'm'));
    const compose = read('docker-compose.yml');
    for (const [, value] of compose.matchAll(new RegExp(`^\\s+${variable}: (.*)$`, 'gm'))) expect(value).toBe(`\${${variable}:-}`);
  });

  it('keeps the development database credentials inside the compose network', () => {
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, { ports?: string[] }> };
    expect(compose.services.postgres!.ports).toBeUndefined();
    expect(compose.services.redis!.ports).toBeUndefined();
    // The mail catcher shows every mail sent, links and all: loopback only.
    for (const port of compose.services.mailpit?.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('commits no private key, OAuth secret or token', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
    const suspicious = [
      /-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/]{40}/,
      /GOCSPX-[\w-]{20,}/,
      /\bya29\.[\w-]{20,}/,
      /\b1\/\/0[\w-]{20,}/,
      /AKIA[0-9A-Z]{16}/,
      /\bxox[abp]-[\w-]{10,}/,
    ];
    const found: string[] = [];
    for (const file of files) {
      if (/\.(png|jpg|gif|ico|gz|zip|woff2?)$/.test(file)) continue;
      let text: string;
      try {
        text = read(file);
      } catch {
        continue;
      }
      for (const pattern of suspicious) if (pattern.test(text)) found.push(`${file}: ${pattern}`);
    }
    expect(found).toEqual([]);
  });
});
