/**
 * What every provider's end-to-end sync test checks of the sample mailbox the same way: the
 * contacts are exactly the true ones, every message has its one row, new mail arrives as the
 * emulators take it, and a revoked grant ends in `needs_reauth`.
 */
import { expect } from 'vitest';
import type { SampleMailbox } from '../fakes/demo/sample-mailbox.ts';
import type { SeedMessage } from '../fakes/google/seed-types.ts';
import { contactsOf, expectMatchesTruth } from './contact-truth.ts';
import type { WorkerHandle } from '../src/workers/start-worker.ts';
import { streamsOf, waitFor } from './sync-harness.ts';
import type { TestDatabase } from './test-database.ts';

/** The owner's stored contacts are exactly the sample's people, each as the truth says, and none of its noise. */
export async function expectTheSampleContacts(database: TestDatabase, sample: SampleMailbox): Promise<void> {
  const contacts = await contactsOf(database, sample.owner.email);
  expect([...contacts.keys()].sort()).toEqual([...sample.contacts.keys()].sort());
  for (const truth of sample.contacts.values()) expectMatchesTruth(contacts.get(truth.email), truth);
  for (const noise of sample.notContacts) expect(contacts.has(noise), noise).toBe(false);
}

/** The account's stored messages, and how many of them were skipped for having no sender. */
export async function mailRowCounts(database: TestDatabase, accountId: string): Promise<{ total: number; noSender: number }> {
  const [row] = await database.sql<{ total: number; noSender: number }[]>`
    select count(*)::int as total, count(*) filter (where skip_reason = 'no-sender')::int as "noSender"
      from mail_messages where account_id = ${accountId}`;
  return row!;
}

/** A new message in the owner's inbox; `at` sets its internal date, and its Date header too when `dated`. */
export function inboxMessage(
  to: string,
  message: { messageId: string; from: string; subject: string; at?: Date; dated?: boolean },
): SeedMessage {
  const { messageId, from, subject, at, dated } = message;
  return {
    labelIds: ['INBOX'],
    ...(at ? { internalDate: at.toISOString() } : {}),
    headers: [
      { name: 'Message-ID', value: messageId },
      { name: 'From', value: from },
      { name: 'To', value: to },
      { name: 'Subject', value: subject },
      ...(at && dated ? [{ name: 'Date', value: at.toUTCString() }] : []),
    ],
  };
}

/** The new mail each provider's sync test adds to the sample mailbox, addressed to its owner. */
export const FOLLOW_UPS = {
  /** Maya writes again (with a Date header): a contact's counts and dates move on. */
  mayaWritesAgain: (to: string, at: Date) =>
    inboxMessage(to, {
      messageId: '<fresh-1@mail.example.com>',
      from: 'Maya Chen <maya@chenlabs.io>',
      subject: 'Long time!',
      at,
      dated: true,
    }),
  /** Leo writes while a resync is due (no Date header: the internal date counts). */
  leoWhileAway: (to: string, at: Date) =>
    inboxMessage(to, {
      messageId: '<fresh-2@mail.example.com>',
      from: 'Leo Martins <leo@startup.example>',
      subject: 'While you were away',
      at,
    }),
  /** Grace asks something (no date at all: the emulator's own). */
  graceAsks: (to: string) =>
    inboxMessage(to, { messageId: '<fresh-3@mail.example.com>', from: 'Grace Okafor <grace.okafor@gmail.com>', subject: 'Quick question' }),
};

export async function waitUntilNeedsReauth(database: TestDatabase, accountId: string): Promise<void> {
  await waitFor('the account to need re-authorisation', async () => {
    const [row] = await database.sql`select status from accounts where id = ${accountId}`;
    return row?.status === 'needs_reauth';
  });
}

/**
 * Several scheduler passes of `worker`, then half a second for anything they started to reach
 * the emulator: what a stopped account must show nothing of.
 */
export async function schedulerPassesLater(worker: WorkerHandle): Promise<void> {
  for (let i = 0; i < 5; i++) await worker.tick();
  await new Promise((resolve) => setTimeout(resolve, 500));
}

/** A stopped account holds no lease on any stream, and the contacts learned so far stay. */
export async function expectStoppedWithContactsKept(database: TestDatabase, accountId: string, sample: SampleMailbox): Promise<void> {
  const streams = await streamsOf(database, accountId);
  expect(streams.every((s) => s.leaseOwner === null)).toBe(true);
  expect((await contactsOf(database, sample.owner.email)).size).toBe(sample.contacts.size);
}
