/**
 * The link in a held-reply notice (src/replies/held-replies.ts): GET /replies/confirm/:token
 * shows what the reply asked for and a button; POST applies it, once. A GET never changes
 * anything — link scanners and previews fetch every URL in a mail.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { formatDate } from '../digest/render-digest.ts';
import type { DigestSettings } from '../digest/send-digest.ts';
import type { Mailer } from '../mailer/create-mailer.ts';
import { confirmHeldReply, loadHeldReply } from '../replies/held-replies.ts';
import { describeCommand } from '../replies/parse-commands.ts';
import { renderConfirmation } from '../replies/render-confirmation.ts';
import { resolveEntries } from '../replies/resolve-entries.ts';
import type { SignedTokenKeys } from '../security/signed-token.ts';
import { undoUrl } from '../verdicts/undo-links.ts';
import { esc, sendMessage, sendPage } from './html.ts';

export interface ReplyConfirmDeps {
  sql: Sql;
  keys: SignedTokenKeys;
  logger: Logger;
  mailFrom: string;
  replyWindowDays: number;
  /** With both, a confirmed "more" is sent at once; without, the workers send it. */
  mailer?: Mailer;
  digest?: DigestSettings;
}

const REFUSED = {
  invalid: [404, 'This link is not valid', 'Nothing was changed.'],
  expired: [410, 'This link has expired', 'Nothing was changed. Reply to your latest list instead.'],
  stale: [
    410,
    'That list is too old now',
    'Nothing was changed: its numbers only count while it is recent. Reply to your latest list instead.',
  ],
  already: [200, 'Already applied', 'That reply was applied before; nothing was changed again.'],
} as const;

export function registerReplyConfirmRoutes(app: FastifyInstance, deps: ReplyConfirmDeps): void {
  const refuse = (reply: FastifyReply, reason: keyof typeof REFUSED) => {
    const [status, title, message] = REFUSED[reason];
    return sendMessage(reply, status, title, message);
  };

  void app.register(async (scope) => {
    // The button posts an empty form; nothing in it matters.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_request, _body, done) =>
      done(null, {}),
    );

    scope.get<{ Params: { token: string } }>('/replies/confirm/:token', async (request, reply) => {
      const lookup = await loadHeldReply(deps.sql, deps.keys, request.params.token, deps.replyWindowDays);
      if (!lookup.ok) return refuse(reply, lookup.reason);
      const { held } = lookup;
      if (held.confirmedAt) return refuse(reply, 'already');
      const items = await deps.sql<{ position: number; name: string | null; email: string }[]>`
        select position, name, email from digest_items where digest_id = ${held.digest.id} order by position`;
      const asked = held.commands.map((command) => {
        const resolution = resolveEntries(command, items);
        const people = resolution.ok
          ? resolution.positions.map((p) => items.find((i) => i.position === p)!).map((i) => `${i.position}. ${i.name ?? i.email}`)
          : [];
        return `<li><code>${esc(describeCommand(command))}</code>${people.length ? ` — ${esc(people.join(', '))}` : ''}</li>`;
      });
      const sentAt = held.digest.sentAt ?? new Date();
      return sendPage(
        reply,
        200,
        { title: 'Apply this reply?' },
        `<h1>Apply this reply?</h1>
<p>A reply to your list of ${esc(formatDate(sentAt, held.digest.timezone))} came from <strong>${esc(held.sender ?? 'an unknown sender')}</strong>, and rekindle could not tell it was you, so it has not been applied.</p>
<p>It asks for:</p>
<ul>${asked.join('')}</ul>
<form method="post" action="/replies/confirm/${esc(request.params.token)}"><button type="submit">Apply it</button></form>
<p>If it was not you, close this page: nothing changes.</p>`,
      );
    });

    scope.post<{ Params: { token: string } }>('/replies/confirm/:token', async (request, reply) => {
      const result = await confirmHeldReply(
        {
          sql: deps.sql,
          logger: deps.logger,
          mailer: deps.mailer,
          settings: { replyWindowDays: deps.replyWindowDays, mailFrom: deps.mailFrom, digest: deps.digest },
        },
        deps.keys,
        request.params.token,
      );
      if (!result.ok) return refuse(reply, result.reason);
      const { applied } = result;
      const text = renderConfirmation(applied.content)
        .split('\n')
        .slice(2)
        .join('\n')
        .replace(
          /Changed your mind\? Reply with: undo/,
          applied.entryId
            ? 'Changed your mind? Reply “undo” to your list, or take it back here.'
            : 'Changed your mind? Reply “undo” to your list.',
        );
      // The same undo as the link in a confirmation email: this reply's journal entry, signed.
      const undo = applied.entryId
        ? `<form method="post" action="${esc(undoUrl(deps.keys, '', { entryId: applied.entryId }, new Date()))}"><button type="submit" class="secondary">Take it back</button></form>`
        : '';
      return sendPage(reply, 200, { title: 'Reply applied' }, `<h1>Done</h1><pre class="confirmation">${esc(text.trim())}</pre>${undo}`);
    });
  });
}
