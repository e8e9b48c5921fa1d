/**
 * The digest's signed links (src/digest/action-links.ts): GET /d/:token shows the person and
 * buttons, POST /d/:token applies `done`, `snooze` (2w, 1m, 3m), `never` or `undo`. What a
 * link reaches and does is src/web/link-clicks.ts; its pages are src/web/views/action-page.ts.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { chosen, SNOOZES } from './choices.ts';
import { sendMessage, sendPage } from './html.ts';
import { applyLinkClick, displayName, type LinkClick, type LinkTarget, linkPageState, linkTarget } from './link-clicks.ts';
import { actionPage, linkResultPage } from './views/action-page.ts';
import { formOf, type WebDeps } from './web-deps.ts';

const invalid = (reply: FastifyReply) => sendMessage(reply, 404, 'This link is not valid', 'Nothing was changed.');

export function registerActionRoutes(app: FastifyInstance, deps: WebDeps): void {
  /** The link's target, or null once the refusal is sent. */
  const resolve = async (token: string, reply: FastifyReply): Promise<LinkTarget | null> => {
    const found = await linkTarget(deps.sql, deps.keys, token);
    if (found.ok) return found.target;
    if (found.reason !== 'digest-gone') deps.logger.info({ reason: found.reason }, 'digest link refused');
    if (found.reason === 'expired')
      void sendMessage(
        reply,
        410,
        'This link has expired',
        'Links in a digest work for a few weeks. Reply to a recent digest instead, or open rekindle.',
        '<p><a class="button" href="/">Open rekindle</a></p>',
      );
    else void invalid(reply);
    return null;
  };

  app.get<{ Params: { token: string }; Querystring: { do?: string } }>('/d/:token', async (request, reply) => {
    const target = await resolve(request.params.token, reply);
    if (!target) return reply;
    const state = await linkPageState(deps.sql, target);
    if (!state) return invalid(reply);
    const body = actionPage(request.params.token, state.item, state.mark, state.acted, request.query.do);
    return sendPage(reply, 200, { title: displayName(state.item) }, body);
  });

  app.post<{ Params: { token: string } }>('/d/:token', async (request, reply) => {
    const target = await resolve(request.params.token, reply);
    if (!target) return reply;
    const form = formOf(request);
    const verb = form.do;
    if (verb !== 'done' && verb !== 'snooze' && verb !== 'never' && verb !== 'undo') {
      return sendMessage(reply, 400, 'Nothing was changed', 'Choose done, snooze, never or undo.');
    }
    const click: LinkClick = verb === 'snooze' ? { verb, duration: chosen(SNOOZES, form.for) ?? '1m' } : { verb };
    const outcome = await applyLinkClick(deps.sql, target, click, new Date());
    if (!outcome) return invalid(reply);
    deps.logger.info(
      { userId: target.userId, digestId: target.digestId, position: target.position, verb, result: outcome.result },
      'digest link applied',
    );
    const page = linkResultPage(request.params.token, click, outcome);
    return sendPage(reply, 200, { title: page.title }, page.body);
  });
}
