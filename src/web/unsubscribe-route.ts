/**
 * The https half of the digest's List-Unsubscribe: RFC 8058 one-click (a POST, which mail
 * providers send on the user's behalf) and, for a person who follows the link, a page whose
 * button posts the same. A GET never unsubscribes: link scanners fetch every URL in a mail.
 * Its pages use the app's layout, so its strict Content Security Policy holds (no inline style).
 * The stop is a verdict (src/verdicts/) like a reply's "stop": a reply's "undo" takes it back.
 */
import type { FastifyInstance } from 'fastify';
import type { Sql } from 'postgres';
import { digestByToken } from '../digest/find-digest.ts';
import { applyVerdicts } from '../verdicts/apply-verdicts.ts';
import { sendPage } from './html.ts';

const TOKEN = /^[a-f0-9]{32}$/;

export function registerUnsubscribe(app: FastifyInstance, sql: Sql): void {
  void app.register(async (scope) => {
    // One-click posts `List-Unsubscribe=One-Click` as a form; its content does not matter.
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data']) {
      scope.addContentTypeParser(type, { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => done(null, body));
    }

    scope.get<{ Params: { token: string } }>('/digest/unsubscribe/:token', async (request, reply) => {
      if (!TOKEN.test(request.params.token)) return sendPage(reply, 404, { title: 'Not valid' }, '<p>This link is not valid.</p>');
      return sendPage(
        reply,
        200,
        { title: 'Unsubscribe' },
        `<p>Stop the weekly rekindle list?</p><form method="post" action="/digest/unsubscribe/${request.params.token}"><button type="submit">Stop these emails</button></form>`,
      );
    });

    scope.post<{ Params: { token: string } }>('/digest/unsubscribe/:token', async (request, reply) => {
      if (!TOKEN.test(request.params.token)) return sendPage(reply, 404, { title: 'Not valid' }, '<p>This link is not valid.</p>');
      const digest = await digestByToken(sql, request.params.token);
      if (digest)
        await sql.begin((tx) => applyVerdicts(tx, digest.userId, [{ verb: 'stop' }], { source: 'unsubscribe', digestId: digest.id }));
      if (!digest) return sendPage(reply, 404, { title: 'Not valid' }, '<p>This link is not valid.</p>');
      return sendPage(reply, 200, { title: 'Unsubscribed' }, '<p>Done: you will get no more weekly lists.</p>');
    });
  });
}
