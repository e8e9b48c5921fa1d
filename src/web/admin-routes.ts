/**
 * The queue dashboard (Bull Board) at /admin/queues, and /metrics, behind HTTP Basic
 * authentication with ADMIN_PASSWORD (user `admin`). Without ADMIN_PASSWORD the dashboard is
 * not mounted at all and /metrics is open (for a scraper on a private network). An address
 * that got the password wrong too often is refused for a while (src/web/rate-limits.ts).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { authFailureGuard } from './rate-limits.ts';

export const ADMIN_USER = 'admin';
export const DASHBOARD_PATH = '/admin/queues';

/** True when the request carries `admin:<password>`; compared in constant time. */
export function basicAuthOk(request: FastifyRequest, password: string): boolean {
  const header = request.headers.authorization;
  if (!header?.startsWith('Basic ')) return false;
  const given = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(`${ADMIN_USER}:${password}`));
}

function challenge(reply: FastifyReply): FastifyReply {
  return reply
    .code(401)
    .header('www-authenticate', 'Basic realm="rekindle admin", charset="UTF-8"')
    .type('text/plain')
    .send('Authentication required');
}

export function registerAdminRoutes(
  app: FastifyInstance,
  deps: { password: string | undefined; queues: Queue[]; metrics: Registry },
): void {
  const { password } = deps;
  const guard = authFailureGuard(app, 'admin');
  /** True when the request may go on; otherwise the answer (401 or 429) is sent. */
  const admitted = async (request: FastifyRequest, reply: FastifyReply, secret: string): Promise<boolean> => {
    if (await guard.refused(request, reply)) return false;
    if (basicAuthOk(request, secret)) return true;
    // A browser's first request carries no credentials; only a wrong password counts.
    if (request.headers.authorization) await guard.failed(request);
    await challenge(reply);
    return false;
  };

  app.get('/metrics', async (request, reply) => {
    if (password && !(await admitted(request, reply, password))) return reply;
    const body = await deps.metrics.metrics();
    return reply.header('content-type', deps.metrics.contentType).header('cache-control', 'no-store').send(body);
  });

  if (!password) return;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: deps.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })), serverAdapter });
  void app.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      if (!(await admitted(request, reply, password))) return reply;
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
}
