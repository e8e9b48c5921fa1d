/**
 * The webhook inbound channel: `POST /inbound/email` with the raw message (RFC 822 bytes, any
 * content type) and `Authorization: Bearer <INBOUND_WEBHOOK_SECRET>` — what a relay, a mail
 * provider's inbound hook or a small script (`curl --data-binary @reply.eml`) can send. Optional
 * `X-Envelope-From` and `X-Envelope-To` (comma-separated) carry the SMTP envelope when the
 * sender knows it. The message goes through the same pipeline as the SMTP listener's; the
 * sender's authenticity comes from trusted Authentication-Results (TRUSTED_AUTHSERV_IDS).
 *
 * 200 once processed (applied or deliberately ignored, `{outcome}`); 401 without the secret;
 * 413 over the size limit; 503 when it could not be processed, so the sender retries; 429 when
 * one address sends too much, or got the secret wrong too often (src/web/rate-limits.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Envelope, ReplyResult } from '../replies/handle-reply.ts';
import { authFailureGuard, RATE_LIMITS } from './rate-limits.ts';

export interface InboundWebhookDeps {
  secret: string;
  maxBytes: number;
  logger: Logger;
  handle: (raw: Buffer, envelope: Envelope) => Promise<ReplyResult>;
}

export function registerInboundWebhook(app: FastifyInstance, deps: InboundWebhookDeps): void {
  const expected = createHash('sha256').update(deps.secret).digest();
  const authorized = (header: string | undefined) => {
    const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
    return given !== undefined && timingSafeEqual(createHash('sha256').update(given).digest(), expected);
  };

  const guard = authFailureGuard(app, 'webhook');
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.maxBytes }, (_request, body, done) => done(null, body));

    // The limit and the secret are checked before the body is read (onRequest): a flood, or a
    // stranger's 5 MB, costs no reading or buffering. A refused request's connection is closed,
    // so the rest of its body is not read either.
    const admit = async (request: FastifyRequest, reply: FastifyReply) => {
      if (await guard.refused(request, reply.header('connection', 'close'))) return reply;
      if (!authorized(request.headers.authorization)) {
        await guard.failed(request);
        return reply.code(401).header('connection', 'close').send({ error: 'unauthorized' });
      }
      reply.removeHeader('connection');
    };
    scope.post(
      '/inbound/email',
      { onRequest: admit, config: { rateLimit: { ...RATE_LIMITS.webhook, hook: 'onRequest' } } },
      async (request, reply) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : null;
        if (!raw || raw.length === 0) return reply.code(400).send({ error: 'expected the raw message as the request body' });
        const list = (value: string | string[] | undefined) =>
          (Array.isArray(value) ? value.join(',') : (value ?? ''))
            .split(',')
            .map((v) => v.trim())
            .filter(Boolean);
        const from = request.headers['x-envelope-from'];
        const envelope: Envelope = {
          channel: 'webhook',
          mailFrom: typeof from === 'string' ? from.replace(/^<|>$/g, '').trim() : null,
          rcptTo: list(request.headers['x-envelope-to']),
        };
        try {
          const result = await deps.handle(raw, envelope);
          return reply.code(200).send({ outcome: result.outcome });
        } catch (error) {
          deps.logger.error(
            { err: error instanceof Error ? error.message : String(error) },
            'webhook message not processed; sender should retry',
          );
          return reply.code(503).header('retry-after', '60').send({ error: 'temporarily unavailable' });
        }
      },
    );
  });
}
