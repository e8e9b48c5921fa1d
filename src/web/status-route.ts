/** The signed-in user's status page (GET /status); its view is src/web/views/status-page.ts. */
import type { FastifyInstance } from 'fastify';
import { sendPage } from './html.ts';
import { signedInHelpers } from './signed-in.ts';
import { statusPage } from './views/status-page.ts';
import { offeredProviders, providerLabel, type WebDeps } from './web-deps.ts';

export function registerStatusRoute(app: FastifyInstance, deps: WebDeps): void {
  const { nav, signedIn } = signedInHelpers(deps);
  const offered = offeredProviders(deps.config);

  app.get<{ Querystring: { connected?: string } }>('/status', async (request, reply) => {
    const found = await signedIn(request, reply);
    if (!found) return reply;
    const { session, status } = found;
    const connected = providerLabel(String(request.query.connected ?? ''));
    const page = statusPage({ status, connected, defaultBudget: deps.config.DIGEST_BUDGET, offered });
    return sendPage(reply, 200, { title: 'Status', nav: nav(session), refreshSeconds: page.refreshSeconds }, page.body);
  });
}
