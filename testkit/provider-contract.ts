/**
 * The behaviour every mail provider owes the sync engine, as one suite each provider runs
 * against its own emulator (Google and Microsoft). A provider passes when:
 *
 * - walking `nextPage` from `null` to `caughtUp`, and hydrating the refs not seen before (as the
 *   engine does), yields every seeded message exactly once, with the right folder, date, from,
 *   to, cc and subject; Sent is listed before anything else; cursors survive a JSON round trip
 *   (the engine keeps them in Postgres);
 * - a message that arrives after caught-up comes with the next incremental walk;
 * - a message the user archives after caught-up keeps its providerId (Gmail: a label comes off;
 *   Outlook: it moves to Archive, which without immutable ids would give it a new id);
 * - a message deleted between listing and hydrating is skipped as `gone`, not thrown;
 * - an expired cursor is `cursor_expired` (never an empty page), or, for a provider whose
 *   cursors expire folder by folder (IMAP's UIDVALIDITY), the provider reads those folders again
 *   in place: every message is listed again under the providerId it had, nothing new appears;
 * - a revoked grant is `auth_revoked`.
 *
 * Deliberately not part of the contract: how often a ref repeats (Gmail lists sent mail in two
 * stages), page sizes, request counts and quota, which are each provider's own tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProviderError } from '../src/providers/provider-error.ts';
import type { MailPage, MailSource, StoredTokens, TokenStore } from '../src/providers/types.ts';
import type { Address, Folder, MessageMeta } from '../src/mail/types.ts';

/** A message as the contract describes it; each harness turns it into its provider's seed. */
export interface ContractMessage {
  /** Message-ID without brackets; also how the suite recognises the message. */
  messageId: string;
  folder: Folder;
  date: Date;
  from: Address;
  to: Address[];
  cc: Address[];
  subject: string;
}

export interface ContractMailbox {
  mail: MailSource;
  /** Delivers a message now (it arrives like new mail). */
  deliver(message: ContractMessage): Promise<void>;
  /** Deletes a message from the mailbox, by the id the provider gave it. */
  remove(providerId: string): Promise<void>;
  /** The user archives an inbox message (Gmail: INBOX comes off; Outlook: moved to Archive). */
  archive(providerId: string): Promise<void>;
  /**
   * Every cursor handed out so far stops working (Gmail: history too old; Graph: delta gone;
   * IMAP: every folder's UIDVALIDITY changes).
   */
  expireCursors(): Promise<void>;
  /** The user's grant is revoked at the provider. */
  revokeGrant(): Promise<void>;
}

export interface ContractHarness {
  /**
   * What an expired cursor does: `error` (default) throws cursor_expired and the engine starts a
   * full resync; `resync-in-place` reads the expired folders again within the walk (IMAP).
   */
  expiredCursor?: 'error' | 'resync-in-place';
  /** A fresh mailbox holding `messages`, with a connected provider. Called once per test. */
  mailbox(owner: Address, messages: ContractMessage[]): Promise<ContractMailbox>;
  close(): Promise<void>;
}

const OWNER: Address = { email: 'ada@contract.example', name: 'Ada Lovelace' };
const CHARLES: Address = { email: 'charles@contract.example', name: 'Charles Babbage' };
const GRACE: Address = { email: 'grace@contract.example', name: 'Grace Hopper' };
const MARY: Address = { email: 'mary@contract.example', name: 'Mary Somerville' };
const RENE: Address = { email: 'rene@contract.example', name: 'René Descartes' };

const day = (n: number) => new Date(Date.UTC(2024, 0, 1, 9, 30) + n * 86_400_000);

/** Sent, received and archived mail, with names, CCs and non-ASCII subjects. */
export const CONTRACT_MESSAGES: ContractMessage[] = [
  { messageId: 'sent-1@contract.example', folder: 'sent', date: day(1), from: OWNER, to: [CHARLES], cc: [], subject: 'Engine notes' },
  {
    messageId: 'in-1@contract.example',
    folder: 'inbox',
    date: day(2),
    from: CHARLES,
    to: [OWNER],
    cc: [GRACE],
    subject: 'Re: Engine notes',
  },
  {
    messageId: 'sent-2@contract.example',
    folder: 'sent',
    date: day(3),
    from: OWNER,
    to: [CHARLES, GRACE],
    cc: [MARY],
    subject: 'Plans for March',
  },
  { messageId: 'in-2@contract.example', folder: 'inbox', date: day(5), from: RENE, to: [OWNER], cc: [], subject: 'Réunion à Paris' },
  {
    messageId: 'other-1@contract.example',
    folder: 'other',
    date: day(8),
    from: MARY,
    to: [OWNER, GRACE],
    cc: [],
    subject: 'Archived thread',
  },
  {
    messageId: 'in-3@contract.example',
    folder: 'inbox',
    date: day(13),
    from: GRACE,
    to: [OWNER],
    cc: [CHARLES, MARY],
    subject: 'Compiler demo',
  },
  { messageId: 'sent-3@contract.example', folder: 'sent', date: day(21), from: OWNER, to: [GRACE], cc: [], subject: 'Re: Compiler demo' },
];

/** Gmail labels of each folder; the Graph emulator files them into Outlook folders. */
const LABELS: Record<ContractMessage['folder'], string[]> = {
  sent: ['SENT'],
  inbox: ['INBOX', 'CATEGORY_PERSONAL'],
  // Archived in Gmail; in Outlook, the Archive folder.
  other: ['CATEGORY_PERSONAL'],
};

const formatAddress = (a: Address) => (a.name ? `"${a.name}" <${a.email}>` : a.email);

/** A contract message as a seed both emulators take (Gmail's message resource shape). */
export function contractSeed(message: ContractMessage) {
  const headers = [
    { name: 'Message-ID', value: `<${message.messageId}>` },
    { name: 'Date', value: message.date.toUTCString() },
    { name: 'From', value: formatAddress(message.from) },
    { name: 'To', value: message.to.map(formatAddress).join(', ') },
    ...(message.cc.length ? [{ name: 'Cc', value: message.cc.map(formatAddress).join(', ') }] : []),
    // Non-ASCII subjects arrive RFC 2047 encoded, as they do from real mail.
    {
      name: 'Subject',
      value: /^[\x20-\x7e]*$/.test(message.subject) ? message.subject : `=?UTF-8?B?${Buffer.from(message.subject).toString('base64')}?=`,
    },
  ];
  return { labelIds: LABELS[message.folder], internalDate: message.date.toISOString(), headers };
}

/** A TokenStore in memory that records every save. */
export function memoryTokenStore(initial: StoredTokens): TokenStore & { saved: StoredTokens[]; current(): StoredTokens } {
  let current = initial;
  const saved: StoredTokens[] = [];
  return {
    saved,
    current: () => current,
    async load() {
      return current;
    },
    async save(tokens) {
      saved.push(tokens);
      current = tokens;
    },
  };
}

export interface WalkResult {
  /** Every page, in order. */
  pages: MailPage[];
  /** Hydrated messages, in hydration order; refs already seen are not hydrated again. */
  messages: MessageMeta[];
  skipped: { providerId: string; reason: string }[];
  /** The caught-up cursor, after a JSON round trip. */
  cursor: unknown;
}

/**
 * Walks like the engine: page, hydrate what it has not seen, store the cursor as JSON, repeat
 * until caught up. `maxPages` guards against a provider that never catches up.
 */
export async function walkMail(mail: MailSource, from: unknown = null, maxPages = 200): Promise<WalkResult> {
  const seen = new Set<string>();
  const result: WalkResult = { pages: [], messages: [], skipped: [], cursor: from };
  let cursor: unknown = from;
  for (let i = 0; i < maxPages; i++) {
    const page = await mail.nextPage(cursor);
    result.pages.push(page);
    const fresh = page.refs.filter((ref) => !seen.has(ref.providerId));
    for (const ref of fresh) seen.add(ref.providerId);
    if (fresh.length > 0) {
      const { messages, skipped } = await mail.hydrate(fresh);
      result.messages.push(...messages);
      result.skipped.push(...skipped);
    }
    cursor = JSON.parse(JSON.stringify(page.cursor));
    if (page.caughtUp) {
      result.cursor = cursor;
      return result;
    }
  }
  throw new Error(`not caught up after ${maxPages} pages`);
}

function expectMatches(meta: MessageMeta | undefined, expected: ContractMessage): void {
  expect(meta, `message ${expected.messageId}`).toBeDefined();
  expect(meta).toMatchObject({
    internetMessageId: expected.messageId,
    folder: expected.folder,
    subject: expected.subject,
    from: expected.from,
    to: expected.to,
    cc: expected.cc,
  });
  expect(meta!.date.getTime(), `date of ${expected.messageId}`).toBe(expected.date.getTime());
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

let mailboxCounter = 0;

export function describeMailProviderContract(name: string, setup: () => Promise<ContractHarness>): void {
  describe(`mail provider contract: ${name}`, () => {
    let harness: ContractHarness;
    beforeAll(async () => {
      harness = await setup();
    });
    afterAll(async () => {
      await harness?.close();
    });

    /** Each test gets its own owner address, so harnesses can keep one server for all. */
    const freshMailbox = (messages = CONTRACT_MESSAGES) => {
      const owner = { ...OWNER, email: `ada.${++mailboxCounter}.${process.pid}@contract.example` };
      const own = (a: Address) => (a.email === OWNER.email ? owner : a);
      const localized = messages.map((m) => ({ ...m, from: own(m.from), to: m.to.map(own), cc: m.cc.map(own) }));
      return { owner, messages: localized, own };
    };

    it('walks from null to caught up and yields every message exactly once, correctly mapped', async () => {
      const { owner, messages } = freshMailbox();
      const box = await harness.mailbox(owner, messages);
      const walk = await walkMail(box.mail);

      expect(walk.pages[0]!.phase === 'backfill' || walk.pages.length === 1).toBe(true);
      expect(walk.pages.at(-1)).toMatchObject({ phase: 'incremental', caughtUp: true });
      expect(walk.skipped).toEqual([]);
      const ids = walk.messages.map((m) => m.internetMessageId);
      expect(ids.length).toBe(new Set(ids).size);
      expect([...ids].sort()).toEqual(messages.map((m) => m.messageId).sort());
      for (const expected of messages) {
        expectMatches(
          walk.messages.find((m) => m.internetMessageId === expected.messageId),
          expected,
        );
      }
    });

    it('lists sent mail before anything else', async () => {
      const { owner, messages } = freshMailbox();
      const box = await harness.mailbox(owner, messages);
      const walk = await walkMail(box.mail);
      const folders = walk.messages.map((m) => m.folder);
      const firstOther = folders.findIndex((f) => f !== 'sent');
      expect(firstOther).toBe(messages.filter((m) => m.folder === 'sent').length);
    });

    it('brings a message that arrives after caught-up with the next incremental walk', async () => {
      const { owner, messages, own } = freshMailbox();
      const box = await harness.mailbox(owner, messages);
      const first = await walkMail(box.mail);

      const arriving: ContractMessage = {
        messageId: `late-${mailboxCounter}@contract.example`,
        folder: 'inbox',
        // Whole seconds: Graph's DateTimeOffsets carry no milliseconds.
        date: new Date(Math.floor((Date.now() - 60_000) / 1000) * 1000),
        from: CHARLES,
        to: [own(OWNER)],
        cc: [GRACE],
        subject: 'Long time no see',
      };
      await box.deliver(arriving);
      const next = await walkMail(box.mail, first.cursor);

      expect(next.pages.every((p) => p.phase === 'incremental')).toBe(true);
      expect(next.pages.at(-1)!.caughtUp).toBe(true);
      const late = next.messages.filter((m) => m.internetMessageId === arriving.messageId);
      expect(late).toHaveLength(1);
      expectMatches(late[0], arriving);
      // Nothing new arrived since: the walk after that one is empty and stays caught up.
      const idle = await walkMail(box.mail, next.cursor);
      expect(idle.messages).toEqual([]);
    });

    it('keeps the providerId of a message the user archives after caught-up', async () => {
      const { owner, messages } = freshMailbox();
      const box = await harness.mailbox(owner, messages);
      const first = await walkMail(box.mail);
      const known = new Set(first.messages.map((m) => m.providerId));
      const archived = first.messages.find((m) => m.folder === 'inbox')!;
      await box.archive(archived.providerId);
      const next = await walkMail(box.mail, first.cursor);
      const listed = next.pages.flatMap((p) => p.refs.map((r) => r.providerId));
      expect(listed.filter((id) => !known.has(id))).toEqual([]);
      expect(next.pages.at(-1)!.caughtUp).toBe(true);
    });

    it('skips a message deleted between listing and hydrating as gone', async () => {
      const { owner, messages } = freshMailbox();
      const box = await harness.mailbox(owner, messages);
      const page = await box.mail.nextPage(null);
      expect(page.refs.length).toBeGreaterThan(0);
      const first = await box.mail.hydrate(page.refs.slice(0, 1));
      const victim = first.messages[0]!;
      await box.remove(victim.providerId);
      const again = await box.mail.hydrate([{ providerId: victim.providerId }]);
      expect(again).toEqual({ messages: [], skipped: [{ providerId: victim.providerId, reason: 'gone' }] });
    });

    it('reports an expired cursor as cursor_expired, not as an empty page', async () => {
      const { owner, messages } = freshMailbox();
      const box = await harness.mailbox(owner, messages);
      const walk = await walkMail(box.mail);
      await box.expireCursors();
      if (harness.expiredCursor === 'resync-in-place') {
        const again = await walkMail(box.mail, walk.cursor);
        const listed = new Set(again.pages.flatMap((p) => p.refs.map((r) => r.providerId)));
        expect([...listed].sort()).toEqual(walk.messages.map((m) => m.providerId).sort());
        expect(again.pages.at(-1)!.caughtUp).toBe(true);
        return;
      }
      const error = await rejection(box.mail.nextPage(walk.cursor));
      expect(isProviderError(error, 'cursor_expired'), String(error)).toBe(true);
    });

    it('reports a revoked grant as auth_revoked', async () => {
      const { owner, messages } = freshMailbox();
      const box = await harness.mailbox(owner, messages);
      const walk = await walkMail(box.mail);
      await box.revokeGrant();
      const error = await rejection(box.mail.nextPage(walk.cursor));
      expect(isProviderError(error, 'auth_revoked'), String(error)).toBe(true);
    });
  });
}
