/**
 * PostgreSQL and Redis for `rekindle demo`: the configured ones when they answer. When nothing
 * answers at DATABASE_URL or REDIS_URL (nothing installed yet, or not started), the demo starts
 * private ones from the installed server binaries — the chaos run's throwaway servers, on free
 * loopback ports, the cluster in a temporary folder — and removes them when it ends. A server
 * that answers but refuses (a wrong password, say) is not replaced: that is for the person to fix.
 */
import { Redis } from 'ioredis';
import postgres from 'postgres';
import type { PrivatePostgres, RedisServer } from '../../testkit/chaos/private-servers.ts';

export interface DemoServices {
  databaseUrl: string;
  redisUrl: string;
  /** The demo's data lives in a private PostgreSQL, gone once the demo ends. */
  privatePostgres: boolean;
  /** The one line that says which private servers were started, or null when none were. */
  note: string | null;
  /** Stops and removes the private servers (nothing when none were started); safe to call twice. */
  stop(): Promise<void>;
}

/** Connection failures that mean nobody is there, as opposed to a server that answered "no". */
const NOBODY_THERE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'CONNECT_TIMEOUT']);

export async function demoServices(configured: { databaseUrl: string; redisUrl: string }): Promise<DemoServices> {
  const [postgresThere, redisThere] = await Promise.all([postgresAnswers(configured.databaseUrl), redisAnswers(configured.redisUrl)]);
  let pg: PrivatePostgres | null = null;
  let redis: RedisServer | null = null;
  const stop = async () => {
    await redis?.close();
    await pg?.stop();
  };
  try {
    if (!postgresThere || !redisThere) {
      // Loaded only when needed: the Docker image, whose compose file runs both servers, has no testkit/.
      const { startPrivatePostgres, startRedisServer } = await import('../../testkit/chaos/private-servers.ts');
      if (!postgresThere) pg = await startPrivatePostgres('rekindle-demo-');
      if (!redisThere) redis = await startRedisServer();
    }
  } catch (error) {
    await stop();
    const missing = [postgresThere ? null : 'DATABASE_URL', redisThere ? null : 'REDIS_URL'].filter(Boolean).join(' or ');
    throw new Error(`nothing answers at ${missing}, and the demo could not start its own: ${(error as Error).message}`);
  }
  const started = [
    pg ? `PostgreSQL on 127.0.0.1:${pg.port} (in ${pg.dir})` : null,
    redis ? `Redis on 127.0.0.1:${redis.port}` : null,
  ].filter((s): s is string => s !== null);
  const unanswered = [
    pg ? `DATABASE_URL (${hostOf(configured.databaseUrl)})` : null,
    redis ? `REDIS_URL (${hostOf(configured.redisUrl)})` : null,
  ].filter((s): s is string => s !== null);
  return {
    // The configured database name is kept; the demo itself works in rekindle_demo beside it.
    databaseUrl: pg ? pg.url(new URL(configured.databaseUrl).pathname.slice(1) || 'rekindle') : configured.databaseUrl,
    redisUrl: redis ? redis.url : configured.redisUrl,
    privatePostgres: pg !== null,
    note:
      started.length > 0
        ? `Nothing answered at ${unanswered.join(' or ')}: the demo started its own ${started.join(' and ')}, removed when it ends.`
        : null,
    stop,
  };
}

async function postgresAnswers(databaseUrl: string): Promise<boolean> {
  // The server's own database: the configured one may not exist yet (the demo creates its own).
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch (error) {
    return !nobodyThere(error);
  } finally {
    await sql.end({ timeout: 0 });
  }
}

async function redisAnswers(redisUrl: string): Promise<boolean> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5_000 });
  // ioredis rejects connect() with "Connection is closed."; the socket's error says why.
  let socketError: unknown = null;
  client.on('error', (error: unknown) => (socketError ??= error));
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch (error) {
    return !nobodyThere(socketError ?? error);
  } finally {
    client.disconnect();
  }
}

function nobodyThere(error: unknown): boolean {
  let current: unknown = error;
  for (let i = 0; i < 5 && current; i++) {
    const { code, errors, cause } = current as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof code === 'string' && NOBODY_THERE.has(code)) return true;
    // Both loopback addresses refused (AggregateError), or the driver's wrapped cause.
    current = errors?.[0] ?? cause;
  }
  return false;
}

/** host:port only: a URL's user and password stay out of what is printed. */
function hostOf(url: string): string {
  const u = new URL(url);
  return u.host;
}
