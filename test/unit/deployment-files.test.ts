/**
 * docker-compose.yml, the Dockerfile and the documentation cannot be run here (no Docker
 * engine), so they are kept honest by reading them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config/env.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
  ports?: string[];
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
  const { services } = compose;

  it('runs postgres, redis, mailpit, the app, the worker and the reply listener, each with a healthcheck, and the demo once', () => {
    expect(Object.keys(services).sort()).toEqual(['app', 'demo', 'inbound', 'mailpit', 'postgres', 'redis', 'worker']);
    for (const [name, service] of Object.entries(services)) {
      if (name !== 'demo') expect(service.healthcheck?.test, name).toBeDefined();
    }
    expect(services.demo!.healthcheck?.disable).toBe(true);
    expect(services.demo!.restart).toBe('no');
  });

  it('runs the demo against the stack with its mail in Mailpit, and the reply listener on a published port', () => {
    expect(services.demo!.command).toEqual(['demo']);
    expect(services.inbound!.command).toEqual(['inbound']);
    for (const name of ['demo', 'inbound', 'worker']) {
      const config = loadConfig(environmentOf(name));
      expect(new URL(config.SMTP_URL).host, name).toBe('mailpit:1025');
      expect(services[name]!.depends_on?.postgres?.condition).toBe('service_healthy');
    }
    expect(services.demo!.depends_on?.mailpit?.condition).toBe('service_healthy');
    const inbound = loadConfig(environmentOf('inbound'));
    expect(inbound.INBOUND_SMTP_HOST).toBe('0.0.0.0');
    expect(services.inbound!.ports).toContain(`${inbound.INBOUND_SMTP_PORT}:${inbound.INBOUND_SMTP_PORT}`);
  });

  it('builds the app and the worker from this repository and runs serve and work', () => {
    expect(services.app!.build).toBe('.');
    expect(services.worker!.build).toBe('.');
    expect(services.app!.command).toEqual(['serve']);
    expect(services.worker!.command).toEqual(['work']);
  });

  it('starts them only once Postgres and Redis are healthy', () => {
    for (const name of ['app', 'worker']) {
      expect(services[name]!.depends_on?.postgres?.condition).toBe('service_healthy');
      expect(services[name]!.depends_on?.redis?.condition).toBe('service_healthy');
    }
  });

  /** The environment compose passes, with `${VAR:-default}` taking its default. */
  const environmentOf = (name: string) =>
    Object.fromEntries(
      Object.entries(services[name]!.environment ?? {}).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1')]),
    );

  it('gives the app and worker an environment the config accepts, pointing at the compose services', () => {
    for (const name of ['app', 'worker', 'inbound', 'demo']) {
      const env = environmentOf(name);
      for (const key of Object.keys(env)) expect(CONFIG_VARIABLES, `${name}: ${key}`).toContain(key);
      const config = loadConfig(env);
      expect(new URL(config.DATABASE_URL).hostname).toBe('postgres');
      expect(new URL(config.REDIS_URL).hostname).toBe('redis');
    }
    expect(loadConfig(environmentOf('app')).HOST).toBe('0.0.0.0');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('runs the TypeScript sources on Node 24 with the committed migrations', () => {
    expect(dockerfile).toMatch(/^FROM node:24/m);
    expect(dockerfile).toMatch(/^COPY drizzle \.\/drizzle$/m);
    expect(dockerfile).toMatch(/^COPY src \.\/src$/m);
    // The compose file's demo service runs `rekindle demo` in this image: it loads fakes/.
    expect(read('docker-compose.yml')).toMatch(/command: \["demo"\]/);
    expect(dockerfile).toMatch(/^COPY fakes \.\/fakes$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "src\/cli\.ts"\]$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });
});

describe('documentation', () => {
  // The README names every variable in its short table; docs/configuration.md's table gives
  // each its default and meaning (a row that starts with it).
  it.each(CONFIG_VARIABLES)('documents %s in the README, docs/configuration.md and .env.example', (variable) => {
    expect(read('README.md')).toContain(`\`${variable}\``);
    expect(read('docs/configuration.md')).toMatch(new RegExp(`^\\| [^|]*\`${variable}\``, 'm'));
    expect(read('.env.example')).toMatch(new RegExp(`^${variable}=`, 'm'));
  });

  it('pins Node 24 for users and accepts 22.12 or newer', () => {
    expect(read('.nvmrc').trim()).toBe('24');
    expect(JSON.parse(read('package.json')).engines.node).toBe('>=22.12');
  });
});
