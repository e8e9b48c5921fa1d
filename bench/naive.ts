/**
 * The naive baselines every scenario also runs, in the same process and the same minute, so
 * ratios hold on a noisy machine: one provider request at a time, one INSERT per row (each
 * its own transaction), and contacts rebuilt from every interaction. Correct, just slow; the
 * same inference and extraction as the real path, so both must find the same contacts.
 */
import type { Sql } from 'postgres';
import { accountTokenStore } from '../src/accounts/account-token-store.ts';
import { loadIdentityDecisions } from '../src/contact-store/identity-decisions.ts';
import { loadInteractions } from '../src/contact-store/load-interactions.ts';
import { computeContacts } from '../src/contacts/compute-contacts.ts';
import { interactionsFromMessage } from '../src/contacts/extract-interactions.ts';
import type { Owner } from '../src/contacts/types.ts';
import { createGoogleAccount } from '../src/providers/google/create-google-account.ts';
import { createMicrosoftAccount } from '../src/providers/microsoft/create-microsoft-account.ts';
import type { ProviderAccount } from '../src/providers/types.ts';
import type { MessageMeta } from '../src/mail/types.ts';
import { bucketShape, createLocalBucket, windowBucketShape } from '../src/sync/quota-bucket.ts';
import { createRequestGate } from '../src/sync/request-gate.ts';
import type { EmulatorEndpoints } from './emulator-host.ts';

export interface NaiveTarget {
  userId: string;
  accountId: string;
  owner: Owner;
}

/** One message: its row, then each interaction, each statement on its own. */
export async function naiveIngestOne(sql: Sql, target: NaiveTarget, message: MessageMeta): Promise<number> {
  const { interactions, skipReason } = interactionsFromMessage(message, target.owner, { accountId: target.accountId, storeSubjects: true });
  await sql`
    insert into mail_messages (account_id, provider_id, thread_id, internet_message_id, sent_at, folder, skip_reason)
    values (${target.accountId}, ${message.providerId}, ${message.threadId}, ${message.internetMessageId}, ${message.date},
            ${message.folder}, ${skipReason})
    on conflict do nothing`;
  for (const r of interactions) {
    await sql`
      insert into interactions (user_id, account_id, source_key, contact, address, kind, occurred_at, weight,
                                contact_name, participants, thread_key, subject)
      values (${target.userId}, ${target.accountId}, ${r.sourceKey}, ${r.contact}, ${r.address}, ${r.kind}, ${r.occurredAt},
              ${r.weight}, ${r.contactName}, ${r.participants}, ${r.threadKey}, ${r.subject})
      on conflict do nothing`;
  }
  return interactions.length;
}

/** Every contact from every interaction, written one row at a time. */
export async function naiveRecompute(sql: Sql, userId: string, asOf: Date): Promise<number> {
  const contacts = computeContacts(await loadInteractions(sql, userId), { asOf, identities: await loadIdentityDecisions(sql, userId) });
  await sql`delete from contacts where user_id = ${userId}`;
  for (const c of contacts) {
    await sql`
      insert into contacts (user_id, contact, email, name, addresses, first_contact_at, last_contact_at, last_outbound_at,
                            last_inbound_at, last_meeting_at, next_meeting_at, sent_count, received_count, meeting_count,
                            cadence_days, strength, last_subject, last_writer)
      values (${userId}, ${c.key}, ${c.email}, ${c.name}, ${c.addresses}, ${c.firstContactAt}, ${c.lastContactAt}, ${c.lastOutboundAt},
              ${c.lastInboundAt}, ${c.lastMeetingAt}, ${c.nextMeetingAt}, ${c.sentCount}, ${c.receivedCount}, ${c.meetingCount},
              ${c.cadenceDays}, ${c.strength}, ${c.lastSubject}, ${c.lastWriter})`;
  }
  return contacts.length;
}

/** A provider account whose every request waits for the one before (quota pacing kept). */
export function naiveProvider(sql: Sql, endpoints: EmulatorEndpoints, accountId: string, quota: number): ProviderAccount {
  if (endpoints.provider === 'google') {
    const gate = () => createRequestGate({ concurrency: 1, bucket: createLocalBucket(bucketShape(quota)) });
    return createGoogleAccount({
      clientId: endpoints.clientId,
      clientSecret: endpoints.clientSecret,
      apiUrl: endpoints.apiUrl!,
      tokenUrl: endpoints.tokenUrl!,
      tokens: accountTokenStore(sql, accountId),
      mailGate: gate(),
      calendarGate: gate(),
    });
  }
  const budget = createLocalBucket(windowBucketShape(quota, 10 * 60_000));
  return createMicrosoftAccount({
    clientId: endpoints.clientId,
    clientSecret: endpoints.clientSecret,
    graphUrl: endpoints.graphUrl!,
    loginUrl: endpoints.loginUrl!,
    tokens: accountTokenStore(sql, accountId),
    mailGate: createRequestGate({ concurrency: 1, bucket: budget }),
    calendarGate: createRequestGate({ concurrency: 1, bucket: budget }),
  });
}

export interface NaiveSyncResult {
  messages: number;
  interactions: number;
  seconds: number;
  /** Whether the whole backfill was read before the deadline. */
  complete: boolean;
  contacts: number;
}

/**
 * Backfills one mailbox naively until it is listed or `budgetMs` has passed: list a page,
 * then fetch and store its messages one by one; contacts once at the end (counted in).
 */
export async function naiveSync(sql: Sql, provider: ProviderAccount, target: NaiveTarget, budgetMs: number): Promise<NaiveSyncResult> {
  const started = performance.now();
  const deadline = started + budgetMs;
  let cursor: unknown = null;
  let messages = 0;
  let interactions = 0;
  let complete = false;
  outer: for (;;) {
    const page = await provider.mail.nextPage(cursor);
    for (const ref of page.refs) {
      if (performance.now() > deadline) break outer;
      const [known] = await sql`select 1 from mail_messages where account_id = ${target.accountId} and provider_id = ${ref.providerId}`;
      if (known) continue;
      const { messages: hydrated } = ref.meta ? { messages: [ref.meta] } : await provider.mail.hydrate([ref]);
      for (const message of hydrated) interactions += await naiveIngestOne(sql, target, message);
      messages++;
    }
    if (page.phase === 'incremental') {
      complete = true;
      break;
    }
    cursor = page.cursor;
  }
  const contacts = await naiveRecompute(sql, target.userId, new Date());
  return { messages, interactions, seconds: (performance.now() - started) / 1000, complete, contacts };
}
