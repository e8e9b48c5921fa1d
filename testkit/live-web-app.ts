/**
 * The web app listening on a loopback port, with a real worker beside it, for tests that drive
 * it from a browser: the server, the worker and their Redis connection, closed together.
 */
import type { GoogleEmulator } from '../fakes/google/index.ts';
import type { Config } from '../src/config/env.ts';
import { createRedis } from '../src/queue/connection.ts';
import { buildServer } from '../src/web/server.ts';
import { startWorker } from '../src/workers/start-worker.ts';
import { freePort } from './dovecot.ts';
import { testLogger } from './sync-harness.ts';
import type { TestDatabase } from './test-database.ts';
import { redisUrl } from './test-redis.ts';
import { webTestConfig } from './web-harness.ts';

export interface LiveWebApp {
  /** `http://127.0.0.1:<port>`, also the app's PUBLIC_URL. */
  base: string;
  config: Config;
  /** The worker, then the server, then Redis. */
  close(): Promise<void>;
}

export async function startLiveWebApp(
  database: TestDatabase,
  prefix: string,
  emulators: { google: GoogleEmulator },
  overrides: Record<string, string> = {},
): Promise<LiveWebApp> {
  const redis = createRedis(redisUrl);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = webTestConfig(database, prefix, emulators, { PUBLIC_URL: base, ...overrides });
  const app = buildServer({ sql: database.sql, redis, config });
  await app.listen({ host: '127.0.0.1', port });
  const worker = await startWorker({ config, logger: testLogger() });
  return {
    base,
    config,
    async close() {
      await worker.close();
      await app.close();
      redis.disconnect();
    },
  };
}
