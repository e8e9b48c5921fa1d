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
  healthcheck?: { test: string[] | string };
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
  const { services } = compose;

  it('runs postgres, redis, mailpit, the app and the worker, each with a healthcheck', () => {
    expect(Object.keys(services).sort()).toEqual(['app', 'mailpit', 'postgres', 'redis', 'worker']);
    for (const [name, service] of Object.entries(services)) expect(service.healthcheck?.test, name).toBeDefined();
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
      Object.entries(services[name]!.environment ?? {}).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]),
    );

  it('gives the app and worker an environment the config accepts, pointing at the compose services', () => {
    for (const name of ['app', 'worker']) {
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
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "src\/cli\.ts"\]$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });
});

describe('documentation', () => {
  it.each(CONFIG_VARIABLES)('documents %s in the README and in .env.example', (variable) => {
    expect(read('README.md')).toContain(`\`${variable}\``);
    expect(read('.env.example')).toMatch(new RegExp(`^${variable}=`, 'm'));
  });

  it('pins Node 24 for users and accepts 22.12 or newer', () => {
    expect(read('.nvmrc').trim()).toBe('24');
    expect(JSON.parse(read('package.json')).engines.node).toBe('>=22.12');
  });
});
