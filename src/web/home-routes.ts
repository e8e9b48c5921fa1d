/** The pages around signing in: the stylesheet and script, the landing page, and signing out. */
import type { FastifyInstance } from 'fastify';
import { ASSET_PATHS, SCRIPT, sendPage, STYLESHEET } from './html.ts';
import { endSession, readSession } from './session.ts';
import { signedInHelpers } from './signed-in.ts';
import { landingPage } from './views/landing-page.ts';
import { offeredProviders, type WebDeps } from './web-deps.ts';

export function registerHomeRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { checkedPost } = signedInHelpers(deps);
  const offered = offeredProviders(deps.config);

  app.get(ASSET_PATHS.css, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(STYLESHEET),
  );
  app.get(ASSET_PATHS.js, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(SCRIPT),
  );
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());

  app.get('/', async (request, reply) => {
    if (readSession(deps.session, request)) return reply.redirect('/status', 303);
    return sendPage(reply, 200, { title: 'Keep in touch' }, landingPage(offered));
  });

  app.post('/signout', async (request, reply) => {
    const session = checkedPost(request, reply);
    if (!session) return reply;
    endSession(deps.session, reply);
    return reply.redirect('/', 303);
  });
}
