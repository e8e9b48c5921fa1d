/**
 * The link in a held-reply notice (src/replies/held-replies.ts): GET /replies/confirm/:token
 * shows what the reply asked for and a button; POST applies it, once. A GET never changes
 * anything — link scanners and previews fetch every URL in a mail.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import type { DigestSettings } from '../digest/send-digest.ts';
import type { Mailer } from '../mailer/create-mailer.ts';
import { confirmHeldReply, loadHeldReply } from '../replies/held-replies.ts';
import type { SignedTokenKeys } from '../security/signed-token.ts';
import { undoUrl } from '../verdicts/undo-links.ts';
import { digestEntryNames } from './digest-entry-names.ts';
import { sendMessage, sendPage } from './html.ts';
import { heldReplyAppliedPage, heldReplyPage } from './views/held-reply-pages.ts';

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
      const items = await digestEntryNames(deps.sql, held.digest.id);
      return sendPage(reply, 200, { title: 'Apply this reply?' }, heldReplyPage(request.params.token, held, items));
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
      // The same undo as the link in a confirmation email: this reply's journal entry, signed.
      const undoAction = applied.entryId ? undoUrl(deps.keys, '', { entryId: applied.entryId }, new Date()) : null;
      return sendPage(reply, 200, { title: 'Reply applied' }, heldReplyAppliedPage(applied.content, undoAction));
    });
  });
}
