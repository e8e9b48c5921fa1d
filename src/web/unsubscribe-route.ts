/**
 * The https half of the digest's List-Unsubscribe: RFC 8058 one-click (a POST, which mail
 * providers send on the user's behalf) and, for a person who follows the link, a page whose
 * button posts the same. A GET never unsubscribes: link scanners fetch every URL in a mail.
 */
import type { FastifyInstance } from 'fastify';
import type { Sql } from 'postgres';

const TOKEN = /^[a-f0-9]{32}$/;

export function registerUnsubscribe(app: FastifyInstance, sql: Sql): void {
  void app.register(async (scope) => {
    // One-click posts `List-Unsubscribe=One-Click` as a form; its content does not matter.
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data']) {
      scope.addContentTypeParser(type, { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => done(null, body));
    }

    scope.get<{ Params: { token: string } }>('/digest/unsubscribe/:token', async (request, reply) => {
      if (!TOKEN.test(request.params.token)) return reply.code(404).type('text/html').send(page('This link is not valid.'));
      return reply
        .type('text/html')
        .send(
          page(
            `<p>Stop the weekly rekindle list?</p><form method="post" action="/digest/unsubscribe/${request.params.token}"><button type="submit" style="font:inherit;padding:8px 16px;">Stop these emails</button></form>`,
          ),
        );
    });

    scope.post<{ Params: { token: string } }>('/digest/unsubscribe/:token', async (request, reply) => {
      if (!TOKEN.test(request.params.token)) return reply.code(404).type('text/html').send(page('This link is not valid.'));
      const rows = await sql`
        update users u set digest_stopped_at = coalesce(u.digest_stopped_at, now())
          from digests d where d.token = ${request.params.token} and u.id = d.user_id
        returning 1`;
      if (rows.length === 0) return reply.code(404).type('text/html').send(page('This link is not valid.'));
      return reply.type('text/html').send(page('<p>Done: you will get no more weekly lists.</p>'));
    });
  });
}

function page(body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>rekindle</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;">${body}</body></html>`;
}
