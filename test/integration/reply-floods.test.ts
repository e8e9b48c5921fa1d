/**
 * What one sender can make the inbound listener do, over real SMTP: anyone can write to a
 * reply address under any From, so the owner's held-reply notices are capped whoever writes,
 * one reply carries a bounded number of commands (and says so), a huge one-line reply is
 * answered for good instead of failing (and being retried) forever, and a connection guessing
 * reply tokens is dropped after a few.
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInboundSmtp, MAX_FAILED_RECIPIENTS } from '../../src/replies/inbound-smtp-server.ts';
import { MAX_COMMANDS, MAX_NOTICES_PER_DIGEST_DAY } from '../../src/replies/reply-limits.ts';
import { sendReply, testMailDns } from '../../testkit/reply-harness.ts';
import { startReplyWorld, WORLD, type ReplyWorld, type WorldUser } from '../../testkit/reply-world.ts';
import { testLogger } from '../../testkit/sync-harness.ts';

describe('floods through the inbound listener', () => {
  let world: ReplyWorld;

  beforeAll(async () => {
    world = await startReplyWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  const reply = async (user: WorldUser, text: string, overrides: Partial<Parameters<typeof sendReply>[0]> = {}) => {
    const before = world.results.length;
    await sendReply({
      port: world.inbound.port,
      from: `Owner <${user.email}>`,
      to: user.replyTo,
      text,
      messageId: `<${randomUUID()}@client.example>`,
      references: [user.digest.messageId],
      dkim: testMailDns().key,
      ...overrides,
    });
    return world.results[before]!;
  };
  const storedCommands = async (user: WorldUser) =>
    (
      await world.database.sql<{ n: number }[]>`
      select coalesce(max(jsonb_array_length(commands)), 0)::int as n from inbound_replies where user_id = ${user.userId}`
    )[0]!.n;

  it('five spoofed senders give the owner a capped number of notices, not five', async () => {
    const ann = await world.addUser('ann@example.com', 'Ann');
    const before = world.mailsTo(ann.email).length;
    for (let i = 0; i < 5; i++) {
      const result = await reply(ann, 'never 1', { from: `Stranger ${i} <s${i}@spoof${i}.example>`, dkim: null });
      expect(result.outcome).toBe('wrong_sender');
    }
    expect(world.mailsTo(ann.email).length - before).toBe(MAX_NOTICES_PER_DIGEST_DAY);
    expect(await world.marks(ann)).toEqual([]);
  });

  it('800 KB of "never 1" lines from a stranger: a short notice, a short row, and a line saying the rest were left out', async () => {
    const bea = await world.addUser('bea@example.com', 'Bea');
    const result = await reply(bea, 'never 1\n'.repeat(100_000), { from: 'Mallory <mallory@evil.example>', dkim: null });
    expect(result.outcome).toBe('wrong_sender');
    expect(result.commands).toHaveLength(MAX_COMMANDS);
    expect(await storedCommands(bea)).toBe(MAX_COMMANDS);
    const notice = world.mailsTo(bea.email).at(-1)!;
    expect(notice.raw.length).toBeLessThan(20_000);
    expect(await world.lastTextTo(bea.email)).toContain(
      `It asked for ${100_000 - MAX_COMMANDS} more, not shown here and not applied by the link`,
    );
  });

  it('800 KB of "never 1" lines from the owner: applies the first commands and says the rest were not applied', async () => {
    const cal = await world.addUser('cal@example.com', 'Cal');
    const result = await reply(cal, 'never 1\n'.repeat(100_000));
    expect(result.outcome).toBe('applied');
    expect(await storedCommands(cal)).toBe(MAX_COMMANDS);
    const confirmation = world.mailsTo(cal.email).at(-1)!;
    expect(confirmation.raw.length).toBeLessThan(20_000);
    expect(await world.lastTextTo(cal.email)).toContain(
      `${100_000 - MAX_COMMANDS} more commands were not applied: a reply takes at most ${MAX_COMMANDS} commands. Send the rest in another reply.`,
    );
  });

  it('a 2 MB one-line reply is answered for good (250), not with a failure the sender retries forever', async () => {
    const dee = await world.addUser('dee@example.com', 'Dee');
    const failures = world.failures;
    const result = await reply(dee, 'never 1 '.repeat(256 * 1024));
    expect(result.outcome).toBe('no_commands');
    expect(world.failures).toBe(failures);
    expect(await world.marks(dee)).toEqual([]);
  });

  it('a connection trying unknown reply tokens is dropped after a few, each looked up at most once', async () => {
    let lookups = 0;
    const server = await startInboundSmtp({
      host: '127.0.0.1',
      port: 0,
      domain: WORLD.inboundDomain,
      logger: testLogger(),
      knownToken: async () => {
        lookups++;
        return false;
      },
      handle: async () => undefined,
    });
    try {
      const answers = await probeRecipients(server.port, 50);
      expect(answers.slice(0, MAX_FAILED_RECIPIENTS - 1).every((a) => a.startsWith('550'))).toBe(true);
      expect(answers[MAX_FAILED_RECIPIENTS - 1]).toMatch(/^421 /);
      expect(answers).toHaveLength(MAX_FAILED_RECIPIENTS);
      expect(lookups).toBe(MAX_FAILED_RECIPIENTS);
    } finally {
      await server.close();
    }
  });
});

/**
 * Speaks SMTP by hand: EHLO, MAIL FROM, then up to `count` RCPTs of unknown tokens, one at a
 * time, until the server closes the connection. Returns the answers to the RCPTs.
 */
function probeRecipients(port: number, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const answers: string[] = [];
    const script = ['EHLO prober.example', 'MAIL FROM:<p@prober.example>'];
    let buffer = '';
    let sent = 0;
    let rcpts = 0;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        // A multi-line answer (EHLO) ends at the line with a space after its code.
        if (line[3] === '-' || socket.writableEnded) continue;
        if (sent > script.length) answers.push(line);
        if (sent < script.length) socket.write(`${script[sent++]}\r\n`);
        else if (rcpts < count) {
          sent = script.length + 1;
          rcpts++;
          socket.write(`RCPT TO:<reply+${randomUUID().replace(/-/g, '')}@${WORLD.inboundDomain}>\r\n`);
        } else socket.end('QUIT\r\n');
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answers));
  });
}
