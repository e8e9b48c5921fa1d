/**
 * A Message-ID is whatever the sender wrote: it must not reach the info-level log of the
 * inbound pipeline (someone could plant text, an address or a URL in it), only a hash that ties
 * one message's lines together. Over real SMTP to the inbound listener.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logHash } from '../../src/security/log-redaction.ts';
import { sendReply } from '../../testkit/reply-harness.ts';
import { startReplyWorld, type ReplyWorld, type WorldUser } from '../../testkit/reply-world.ts';

describe('sender-chosen Message-IDs in the inbound log', () => {
  let world: ReplyWorld;
  let sam: WorldUser;
  const lines: string[] = [];

  beforeAll(async () => {
    world = await startReplyWorld();
    sam = await world.addUser('sam@example.com', 'Sam Rivera');
    world.deps.logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('logs a hash of it, never the id itself, whatever happens to the message', async () => {
    const ids = ['<planted-7f3a-https://evil.example/x@attacker.example>', '<planted-auto-91c2@attacker.example>'];
    // An unverified reply (held for the owner), and an out-of-office (ignored).
    await sendReply({ port: world.inbound.port, from: 'Sam <sam@example.com>', to: sam.replyTo, text: 'done 1', messageId: ids[0] });
    await sendReply({
      port: world.inbound.port,
      from: 'Sam <sam@example.com>',
      to: sam.replyTo,
      text: 'I am away',
      messageId: ids[1],
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    expect(world.results.map((r) => r.outcome)).toHaveLength(2);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toMatch(/planted|attacker\.example|evil\.example/);
    const tagged = lines.map((line) => JSON.parse(line) as { inbound?: string }).filter((l) => l.inbound);
    // The auto-reply's line carries its id's hash (the held reply is logged by its digest).
    expect(tagged.map((l) => l.inbound)).toContain(logHash(ids[1]!));
    for (const l of tagged) expect(l.inbound).toMatch(/^sha256:[0-9a-f]{16}$/);
  });
});
