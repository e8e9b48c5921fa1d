/**
 * Inference over real mail it was not tuned on (see ../shared/corpora/README.md): the whole
 * pipeline, raw header block → MessageMeta → interactions → contacts, with the corpora read
 * in place. The corpora are part of CI; a missing folder fails the run rather than skipping.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeContacts } from '../../src/contacts/compute-contacts.ts';
import { automatedAddressReason, automatedMessageReason } from '../../src/contacts/detect-automated.ts';
import { interactionsFromMessage } from '../../src/contacts/extract-interactions.ts';
import { normalizeAddress } from '../../src/contacts/normalize-address.ts';
import { createOwner, isOwner } from '../../src/contacts/owner.ts';
import type { InteractionRecord, Owner } from '../../src/contacts/types.ts';
import { headerBlockOf, parseHeaderBlock } from '../../src/mail/header-block.ts';
import { type MessageContext, messageMetaFromHeaders } from '../../src/mail/message-meta.ts';
import type { Folder, MessageMeta } from '../../src/mail/types.ts';
import { corpus } from '../../testkit/corpora.ts';

const options = { accountId: 'corpus', storeSubjects: true };

function filesIn(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Only the header block is ever parsed, as for a live mailbox. */
function readMeta(file: string, folder: Folder, context: Partial<MessageContext> = {}): MessageMeta | null {
  const raw = fs.readFileSync(file, 'utf8');
  const result = messageMetaFromHeaders(parseHeaderBlock(headerBlockOf(raw)), {
    providerId: path.basename(file),
    threadId: null,
    folder,
    ...context,
  });
  return 'message' in result ? result.message : null;
}

/** Automated by the message's own signals or by who sent it. */
function automatedReason(message: MessageMeta): string | null {
  const fromReason = message.from ? automatedAddressReason(message.from.email) : null;
  return automatedMessageReason(message) ?? (fromReason === null ? null : `from:${fromReason}`);
}

function tally(values: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

describe('bulk-ham (SpamAssassin easy ham): lists and newsletters', () => {
  let messages: MessageMeta[] = [];
  let unreadable = 0;

  beforeAll(() => {
    for (const file of filesIn(corpus('bulk-ham/easy-ham-1'))) {
      const message = readMeta(file, 'inbox');
      if (message) messages.push(message);
      else unreadable++;
    }
  });

  it('an owner who never wrote has no contacts', () => {
    const owner = createOwner(['owner@rekindle.example']);
    const interactions = messages.flatMap((m) => interactionsFromMessage(m, owner, options).interactions);
    expect(interactions.every((i) => i.kind === 'received')).toBe(true);
    expect(computeContacts(interactions, { asOf: new Date('2003-01-01T00:00:00Z') })).toEqual([]);
  });

  it('flags the great majority as automated', () => {
    const reasons = messages.map(automatedReason);
    const flagged = reasons.filter((r) => r !== null);
    console.log(
      `bulk-ham: ${flagged.length} of ${messages.length} messages automated (${percent(flagged.length, messages.length)}); ` +
        `${unreadable} without a usable date; reasons ${JSON.stringify(tally(flagged.map((r) => r!.replace(/:.*/, ''))))}`,
    );
    // Measured 92.8 %. The rest are list posts whose list headers the anonymised corpus
    // stripped (many have no To at all), and a few personal messages.
    expect(flagged.length / messages.length).toBeGreaterThanOrEqual(0.9);
  });
});

describe('bounces (sisimai set-of-emails)', () => {
  // A provider always knows when a message arrived; several bounces carry no usable Date.
  const arrived = { receivedAt: new Date('2020-01-01T00:00:00Z') };

  it('flags bounces, complaints and RFC 3834 auto-replies as automated', () => {
    const dir = corpus('bounces/bsd');
    const results = filesIn(dir).map((file) => ({
      file: path.relative(dir, file),
      reason: automatedReason(readMeta(file, 'inbox', arrived)!),
    }));
    const missed = results.filter((r) => r.reason === null).map((r) => r.file);
    console.log(
      `bounces/bsd: ${results.length - missed.length} of ${results.length} automated (${percent(results.length - missed.length, results.length)}); ` +
        `missed ${JSON.stringify(missed)}; reasons ${JSON.stringify(tally(results.flatMap((r) => (r.reason ? [r.reason] : []))))}`,
    );
    for (const r of results.filter((r) => r.file.startsWith('rfc3834-'))) expect(r.reason, r.file).not.toBeNull();
    // Measured 313 of 315: an ML-software notice from `neko-admin@`, and a report with no From.
    expect(missed.length).toBeLessThanOrEqual(3);
  });

  it('mostly leaves non-bounces alone', () => {
    const dir = corpus('bounces/not');
    const results = filesIn(dir).map((file) => ({
      file: path.relative(dir, file),
      reason: automatedReason(readMeta(file, 'inbox', arrived)!),
    }));
    const flagged = results.filter((r) => r.reason !== null);
    console.log(
      `bounces/not: ${flagged.length} of ${results.length} flagged (${percent(flagged.length, results.length)}): ` +
        JSON.stringify(flagged.map((r) => `${r.file} → ${r.reason}`)),
    );
    // The two personal messages pass. The third file (a postmaster "mailbox full" notice
    // with Return-Path <> and Auto-Submitted) is automated mail, even though sisimai files it
    // under not/ because its own parser cannot read it as a bounce.
    for (const r of results.filter((r) => r.file.startsWith('is-not-bounce'))) expect(r.reason, r.file).toBeNull();
  });
});

/**
 * Enron: one user's inbox, plus their sent mail rebuilt from the other users' inboxes. Each
 * copy of a message has its own Message-ID there, so copies are merged by date, subject and
 * recipients, the way one Sent item would be seen once.
 */
const ENRON_USERS = [
  { user: 'watson-k', addresses: ['kimberly.watson@enron.com', 'kwatson@enron.com', 'kim.watson@enron.com'] },
  { user: 'heard-m', addresses: ['marie.heard@enron.com'] },
];

describe('enron-inbox: last-contact inference on real business mail', () => {
  let maildir: string;
  /** Every message of every inbox, header-parsed lazily by From. */
  let files: { user: string; file: string; from: string }[] = [];

  beforeAll(() => {
    maildir = corpus('enron-inbox/maildir');
    for (const user of fs.readdirSync(maildir)) {
      for (const file of filesIn(path.join(maildir, user, 'inbox'))) {
        const head = fs.readFileSync(file, 'utf8');
        const from = /^From:[ \t]*(.*)$/im.exec(headerBlockOf(head))?.[1] ?? '';
        files.push({ user, file, from: from.toLowerCase() });
      }
    }
  });

  it.each(ENRON_USERS)('$user: every contact is a real two-way correspondent', ({ user, addresses }) => {
    const owner = createOwner(addresses);
    const inbox = files
      .filter((f) => f.user === user)
      .map((f) => readMeta(f.file, 'inbox'))
      .filter((m) => m !== null);
    const sent = rebuildSentMail(files, owner);
    expect(inbox.length).toBeGreaterThan(100);
    expect(sent.length).toBeGreaterThan(20);

    const interactions: InteractionRecord[] = [];
    const skipped: string[] = [];
    for (const message of [...inbox, ...sent]) {
      const result = interactionsFromMessage(message, owner, options);
      interactions.push(...result.interactions);
      if (result.skipReason) skipped.push(result.skipReason.replace(/:.*/, ''));
    }
    const dates = [...inbox, ...sent].map((m) => m.date.getTime());
    const first = Math.min(...dates);
    const asOf = new Date(Math.max(...dates));
    const contacts = computeContacts(interactions, { asOf });

    // What the raw mail says, independently of the inference: who wrote to the owner, whom
    // the owner wrote to (normalized, humans and robots alike).
    const wroteToOwner = countBy(
      inbox.filter((m) => !isOwner(owner, m.from?.email ?? '')).map((m) => normalizeAddress(m.from?.email ?? '')),
    );
    const writtenTo = countBy(sent.flatMap((m) => unique([...m.to, ...m.cc, ...m.bcc].map((a) => normalizeAddress(a.email)))));

    console.log(
      `enron ${user}: ${inbox.length} inbox + ${sent.length} rebuilt sent messages, ` +
        `${new Date(first).toISOString().slice(0, 10)} … ${asOf.toISOString().slice(0, 10)}; ` +
        `${interactions.length} interactions; ${contacts.length} contacts; skipped ${JSON.stringify(tally(skipped))}\n` +
        contacts
          .slice(0, 10)
          .map(
            (c, i) =>
              `  ${String(i + 1).padStart(2)}. ${c.email.padEnd(34)} ${(c.name ?? '').padEnd(20)} strength ${c.strength.toFixed(3)} ` +
              `sent ${c.sentCount} received ${c.receivedCount} last ${c.lastContactAt.toISOString().slice(0, 10)} ` +
              `cadence ${c.cadenceDays ?? '-'} "${c.lastSubject ?? ''}"`,
          )
          .join('\n'),
    );

    expect(contacts.length).toBeGreaterThanOrEqual(5);
    const sum = (counts: Map<string, number>, addresses: string[]) => addresses.reduce((n, a) => n + (counts.get(a) ?? 0), 0);
    for (const c of contacts) {
      for (const address of c.addresses) expect(isOwner(owner, address), address).toBe(false);
      expect(automatedAddressReason(c.email), c.email).toBeNull();
      // Mail went both ways (crowd mail included), and at least one way was personal.
      expect(c.lastOutboundAt, c.email).not.toBeNull();
      expect(c.lastInboundAt, c.email).not.toBeNull();
      expect(c.sentCount + c.receivedCount, c.email).toBeGreaterThanOrEqual(1);
      expect(c.meetingCount).toBe(0);
      // Counts never exceed what the raw mail holds for the person's addresses.
      expect(c.receivedCount, c.email).toBeLessThanOrEqual(sum(wroteToOwner, c.addresses));
      expect(c.sentCount, c.email).toBeLessThanOrEqual(sum(writtenTo, c.addresses));
      expect(c.firstContactAt.getTime()).toBeGreaterThanOrEqual(first);
      expect(c.firstContactAt.getTime()).toBeLessThanOrEqual(c.lastContactAt.getTime());
      expect(c.lastContactAt.getTime()).toBeLessThanOrEqual(asOf.getTime());
      // "Last talked" is the last personal mail; crowd mail may be later, never the reverse.
      expect(c.lastContactAt.getTime()).toBeLessThanOrEqual(Math.max(c.lastOutboundAt!.getTime(), c.lastInboundAt!.getTime()));
      for (const link of c.identityLinks) expect(link.rule, `${link.a} = ${link.b}`).toBe('same-name-same-org');
      expect(c.nextMeetingAt).toBeNull();
      expect(c.strength).toBeGreaterThan(0);
      expect(c.strength).toBeLessThanOrEqual(1);
      if (c.cadenceDays !== null) expect(c.cadenceDays).toBeGreaterThan(0);
    }
    const strengths = contacts.map((c) => c.strength);
    expect(strengths).toEqual([...strengths].sort((a, b) => b - a));
  });
});

/** Messages From the owner anywhere in the corpus, each sent message once. */
function rebuildSentMail(files: { file: string; from: string }[], owner: Owner): MessageMeta[] {
  const byFingerprint = new Map<string, MessageMeta>();
  for (const { file, from } of files) {
    if (![...owner.addresses].some((address) => from.includes(address))) continue;
    const message = readMeta(file, 'sent');
    if (!message?.from || !isOwner(owner, message.from.email)) continue;
    const recipients = [...message.to, ...message.cc]
      .map((a) => normalizeAddress(a.email))
      .sort()
      .join(',');
    byFingerprint.set(`${message.date.toISOString()}|${message.subject}|${recipients}`, message);
  }
  return [...byFingerprint.values()];
}

function countBy(keys: (string | null)[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
