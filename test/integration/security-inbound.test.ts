/**
 * The inbound SMTP listener against a client that does not play nice, spoken to over a raw
 * socket: a message that announces no SIZE and streams past the limit is refused (552) and
 * never reaches the pipeline; a long list of recipients is cut off (452) after a few, so
 * nobody can probe reply tokens by the thousand in one session.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RECIPIENTS, startInboundSmtp, type InboundSmtp } from '../../src/replies/inbound-smtp-server.ts';
import { testLogger } from '../../testkit/sync-harness.ts';

const DOMAIN = 'in.rekindle.test';

/** A line-at-a-time SMTP conversation. */
async function session(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  let buffer = '';
  const waiting: ((line: string) => void)[] = [];
  socket.on('data', (chunk) => {
    buffer += chunk.toString('latin1');
    let end: number;
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      // Multi-line answers ("250-...") end with "250 ...".
      if (/^\d{3} /.test(line)) waiting.shift()?.(line);
    }
  });
  const answer = () => new Promise<string>((resolve) => waiting.push(resolve));
  const say = async (line: string) => {
    const next = answer();
    socket.write(`${line}\r\n`);
    return next;
  };
  await answer();
  return { say, answer, socket, close: () => socket.destroy() };
}

describe('inbound SMTP listener against unruly clients', () => {
  let smtp: InboundSmtp;
  const handled: Buffer[] = [];

  beforeAll(async () => {
    smtp = await startInboundSmtp({
      host: '127.0.0.1',
      port: 0,
      domain: DOMAIN,
      logger: testLogger(),
      maxBytes: 20_000,
      handle: async (raw) => {
        handled.push(raw);
        return { outcome: 'automated' };
      },
    });
  });
  afterAll(async () => {
    await smtp?.close();
  });

  it('refuses a message that announced no size and streams past the limit, and hands nothing on', async () => {
    const c = await session(smtp.port);
    try {
      expect(await c.say('EHLO client.example')).toMatch(/^250 /);
      expect(await c.say('MAIL FROM:<sam@example.com>')).toMatch(/^250 /);
      expect(await c.say(`RCPT TO:<reply+${'a'.repeat(32)}@${DOMAIN}>`)).toMatch(/^250 /);
      expect(await c.say('DATA')).toMatch(/^354 /);
      const line = `${'x'.repeat(998)}\r\n`;
      for (let sent = 0; sent < 200_000; sent += line.length) c.socket.write(line);
      expect(await c.say('.')).toMatch(/^552 /);
      // The session goes on: a small message after it is taken.
      expect(await c.say('MAIL FROM:<sam@example.com>')).toMatch(/^250 /);
      expect(await c.say(`RCPT TO:<reply+${'a'.repeat(32)}@${DOMAIN}>`)).toMatch(/^250 /);
      expect(await c.say('DATA')).toMatch(/^354 /);
      c.socket.write('Subject: small\r\n\r\ndone 1\r\n');
      expect(await c.say('.')).toMatch(/^250 /);
    } finally {
      c.close();
    }
    expect(handled).toHaveLength(1);
    expect(handled[0]!.toString()).toContain('done 1');
  });

  it(`takes at most ${MAX_RECIPIENTS} recipients per message`, async () => {
    const c = await session(smtp.port);
    try {
      await c.say('EHLO client.example');
      await c.say('MAIL FROM:<probe@example.net>');
      const answers: string[] = [];
      for (let i = 0; i < MAX_RECIPIENTS + 5; i++) answers.push(await c.say(`RCPT TO:<reply+${String(i).padStart(32, '0')}@${DOMAIN}>`));
      expect(answers.slice(0, MAX_RECIPIENTS).every((a) => a.startsWith('250'))).toBe(true);
      expect(answers.slice(MAX_RECIPIENTS).every((a) => a.startsWith('452'))).toBe(true);
    } finally {
      c.close();
    }
  });
});
