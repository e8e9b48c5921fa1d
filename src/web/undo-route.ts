/**
 * The web's undo of one journal entry (src/verdicts/undo-links.ts): the link in a reply's
 * confirmation, and the button on the page that confirms a held reply. GET /undo/:token shows
 * what would be taken back and a button (a GET never changes anything: link scanners fetch
 * every URL in a mail); POST takes it back, once, leaving alone whatever changed again since.
 * The token is the authority, as for the digest's links: no session is needed.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { VerdictSource } from '../db/schema.ts';
import type { JournalChange } from '../verdicts/journal.ts';
import { readUndoToken, type UndoTarget } from '../verdicts/undo-links.ts';
import { loadEntry, undoEntry } from '../verdicts/undo-verdicts.ts';
import { esc, formatDay, formatInstant, sendMessage, sendPage } from './html.ts';
import type { WebDeps } from './web-deps.ts';

/** Where a change was said, as a person reads it. */
export const SAID: Record<VerdictSource, string> = {
  reply: 'your reply',
  link: 'a digest link',
  settings: 'your settings',
  web: 'the “who is due” page',
  unsubscribe: 'the unsubscribe link',
  bounce: 'a bounce',
};

export function registerUndoRoute(app: FastifyInstance, deps: WebDeps): void {
  const resolve = async (token: string, reply: FastifyReply): Promise<(UndoTarget & { userId: string }) | null> => {
    const read = readUndoToken(deps.keys, token);
    if (read.ok) {
      const { target } = read;
      if (target.userId !== null) return { ...target, userId: target.userId };
      // A compact token names the journal entry only; its row says whose it is.
      const [entry] = await deps.sql<{ userId: string }[]>`select user_id as "userId" from verdict_journal where id = ${target.entryId}`;
      if (entry) return { ...target, userId: entry.userId };
      void sendMessage(reply, 404, 'This link is not valid', 'Nothing was changed.');
      return null;
    }
    deps.logger.info({ reason: read.reason }, 'undo link refused');
    if (read.reason === 'expired')
      void sendMessage(reply, 410, 'This link has expired', 'Nothing was changed. Reply “undo” to your latest list instead.');
    else void sendMessage(reply, 404, 'This link is not valid', 'Nothing was changed.');
    return null;
  };
  const timezoneOf = async (userId: string) =>
    (await deps.sql<{ timezone: string }[]>`select timezone from users where id = ${userId}`)[0]?.timezone ?? 'UTC';

  app.get<{ Params: { token: string } }>('/undo/:token', async (request, reply) => {
    const target = await resolve(request.params.token, reply);
    if (!target) return reply;
    const entry = await deps.sql.begin((tx) => loadEntry(tx, target.userId, target.entryId));
    if (!entry || entry.source === 'bounce') return sendMessage(reply, 404, 'This link is not valid', 'Nothing was changed.');
    if (entry.undoneAt)
      return sendMessage(reply, 200, 'Already taken back', 'That change was taken back before; nothing was changed again.');
    const timezone = await timezoneOf(target.userId);
    return sendPage(
      reply,
      200,
      { title: 'Take it back?' },
      `<h1>Take it back?</h1>
<p>What ${esc(SAID[entry.source])} changed on ${esc(formatInstant(entry.appliedAt, timezone))}:</p>
<ul id="changes">${entry.changes.map((c) => `<li>${esc(describeChange(c, timezone))}</li>`).join('')}</ul>
<form method="post" action="/undo/${esc(request.params.token)}"><button type="submit">Take it back</button></form>
<p class="muted">Anything changed again since stays as it is. Nothing changes until you press the button.</p>`,
    );
  });

  app.post<{ Params: { token: string } }>('/undo/:token', async (request, reply) => {
    const target = await resolve(request.params.token, reply);
    if (!target) return reply;
    const undone = await deps.sql.begin((tx) => undoEntry(tx, target.userId, target.entryId, 'link'));
    if (!undone) return sendMessage(reply, 404, 'This link is not valid', 'Nothing was changed.');
    if (undone === 'already')
      return sendMessage(reply, 200, 'Already taken back', 'That change was taken back before; nothing was changed again.');
    deps.logger.info(
      { userId: target.userId, restored: undone.restored.length, kept: undone.kept.length },
      'verdicts taken back through the web',
    );
    const timezone = await timezoneOf(target.userId);
    const list = (changes: JournalChange[]) => `<ul>${changes.map((c) => `<li>${esc(describeChange(c, timezone))}</li>`).join('')}</ul>`;
    return sendPage(
      reply,
      200,
      { title: 'Taken back' },
      `<h1>Taken back</h1>
${undone.restored.length ? `<p id="result">Back to how it was before ${esc(SAID[undone.source])}:</p>${list(undone.restored)}` : ''}
${undone.kept.length ? `<p id="kept">Left as it is, because it changed again since:</p>${list(undone.kept)}` : ''}`,
    );
  });
}

/** One change as a person reads it: "Ada Byron: marked done". */
export function describeChange(change: JournalChange, timezone: string): string {
  switch (change.kind) {
    case 'mark':
      return change.verb === 'done'
        ? `${change.name}: marked done`
        : change.verb === 'never'
          ? `${change.name}: never suggested again`
          : `${change.name}: snoozed${change.after?.until ? ` until ${formatDay(new Date(change.after.until), timezone)}` : ''}`;
    case 'met':
      return `${change.name}: counted as in touch on ${formatDay(new Date(change.after!), timezone)}`;
    case 'cadence':
      return change.after === null
        ? `${change.name}: back to the rhythm learned from your mail`
        : `${change.name}: expected about every ${Math.round(change.after)} days`;
    case 'list':
      return change.verb === 'pause'
        ? 'Your weekly list: paused'
        : change.verb === 'resume'
          ? 'Your weekly list: on again'
          : change.verb === 'stop'
            ? 'Your weekly list: unsubscribed'
            : 'Your weekly list: its pause or subscription';
  }
}
