/**
 * "Who is due" (GET /due): the people the next weekly lists would likely hold, and everyone the
 * user told rekindle something about (src/web/due-view.ts reads them; src/web/views/due-page.ts
 * shows them). POST /due/act and /due/undo (src/web/due-actions.ts) need the session and its
 * CSRF token, and act only on the session's own people and entries: a key or entry id of
 * another user's is answered 404 and reaches nothing.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { actOnPerson, ownEntry, readDueAction, undoDueEntry } from './due-actions.ts';
import { loadDueView } from './due-view.ts';
import { sendMessage, sendPage } from './html.ts';
import { signedInHelpers } from './signed-in.ts';
import { type DueQuery, dueNotice, duePage } from './views/due-page.ts';
import { formOf, type WebDeps } from './web-deps.ts';

const BACK = '<p><a class="button" href="/due">Back to who is due</a></p>';
const notFound = (reply: FastifyReply) =>
  sendMessage(reply, 404, 'Not found', 'There is no such person or change among yours; nothing was changed.', BACK);

export function registerDueRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { nav, csrfField, signedIn, checkedPost } = signedInHelpers(deps);

  app.get<{ Querystring: DueQuery }>('/due', async (request, reply) => {
    const found = await signedIn(request, reply);
    if (!found) return reply;
    const { session, status } = found;
    const budget = status.digestBudget ?? deps.config.DIGEST_BUDGET;
    const view = await loadDueView(deps.sql, status, budget);
    // Only the session's own entries are read back into the notice.
    const { query } = request;
    const entry = query.unchanged ? null : await ownEntry(deps.sql, session.userId, query.entry ?? query.undone);
    const off = Boolean(status.digestPausedAt || status.digestStoppedAt);
    const notice = dueNotice(query, entry, status.timezone);
    const body = duePage({ view, timezone: status.timezone, budget, off, notice, csrf: csrfField(session) });
    return sendPage(reply, 200, { title: 'Who is due', nav: nav(session) }, body);
  });

  app.post('/due/act', async (request, reply) => {
    const session = checkedPost(request, reply);
    if (!session) return reply;
    const form = formOf(request);
    const action = readDueAction(form);
    if (!action) return sendMessage(reply, 400, 'Nothing was changed', 'Choose done, snooze, never, met or a rhythm.', BACK);
    const applied = await actOnPerson(deps.sql, session.userId, String(form.contact ?? ''), action, new Date());
    if (!applied) return notFound(reply);
    deps.logger.info({ userId: session.userId, verb: action.verb, changed: applied.changes.length }, 'who-is-due action');
    return reply.redirect(applied.entryId ? `/due?entry=${applied.entryId}` : '/due?unchanged=1', 303);
  });

  app.post('/due/undo', async (request, reply) => {
    const session = checkedPost(request, reply);
    if (!session) return reply;
    const entryId = String(formOf(request).entry ?? '');
    const result = await undoDueEntry(deps.sql, session.userId, entryId);
    if (!result) return notFound(reply);
    deps.logger.info({ userId: session.userId, result }, 'who-is-due undo');
    return reply.redirect(`/due?undone=${entryId}&result=${result}`, 303);
  });
}
