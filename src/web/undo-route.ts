/**
 * The web's undo of one journal entry (src/verdicts/undo-links.ts): the link in a reply's
 * confirmation, and the button on the page that confirms a held reply. GET /undo/:token shows
 * what would be taken back and a button (a GET never changes anything: link scanners fetch
 * every URL in a mail); POST takes it back, once, leaving alone whatever changed again since.
 * The token is the authority, as for the digest's links: no session is needed.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { UndoTarget } from '../verdicts/undo-links.ts';
import { loadEntry, undoEntry } from '../verdicts/undo-verdicts.ts';
import { sendMessage, sendPage } from './html.ts';
import { undoTarget, userTimezone } from './undo-target.ts';
import { takenBackPage, undoQuestionPage } from './views/journal-changes.ts';
import type { WebDeps } from './web-deps.ts';

const invalid = (reply: FastifyReply) => sendMessage(reply, 404, 'This link is not valid', 'Nothing was changed.');
const already = (reply: FastifyReply) =>
  sendMessage(reply, 200, 'Already taken back', 'That change was taken back before; nothing was changed again.');

export function registerUndoRoute(app: FastifyInstance, deps: WebDeps): void {
  /** The link's target, or null once the refusal is sent. */
  const resolve = async (token: string, reply: FastifyReply): Promise<(UndoTarget & { userId: string }) | null> => {
    const found = await undoTarget(deps.sql, deps.keys, token);
    if (found.ok) return found.target;
    if (found.reason !== 'entry-gone') deps.logger.info({ reason: found.reason }, 'undo link refused');
    if (found.reason === 'expired')
      void sendMessage(reply, 410, 'This link has expired', 'Nothing was changed. Reply “undo” to your latest list instead.');
    else void invalid(reply);
    return null;
  };

  app.get<{ Params: { token: string } }>('/undo/:token', async (request, reply) => {
    const target = await resolve(request.params.token, reply);
    if (!target) return reply;
    const entry = await deps.sql.begin((tx) => loadEntry(tx, target.userId, target.entryId));
    if (!entry || entry.source === 'bounce') return invalid(reply);
    if (entry.undoneAt) return already(reply);
    const timezone = await userTimezone(deps.sql, target.userId);
    return sendPage(reply, 200, { title: 'Take it back?' }, undoQuestionPage(request.params.token, entry, timezone));
  });

  app.post<{ Params: { token: string } }>('/undo/:token', async (request, reply) => {
    const target = await resolve(request.params.token, reply);
    if (!target) return reply;
    const undone = await deps.sql.begin((tx) => undoEntry(tx, target.userId, target.entryId, 'link'));
    if (!undone) return invalid(reply);
    if (undone === 'already') return already(reply);
    deps.logger.info(
      { userId: target.userId, restored: undone.restored.length, kept: undone.kept.length },
      'verdicts taken back through the web',
    );
    const timezone = await userTimezone(deps.sql, target.userId);
    return sendPage(reply, 200, { title: 'Taken back' }, takenBackPage(undone, timezone));
  });
}
