/**
 * Postgres is the source of truth: accounts, sync cursors and progress, schedules, the
 * metadata rekindle keeps, and the contacts inferred from it. Redis holds nothing that a
 * restart cannot rebuild from these tables.
 */
import {
  bigint,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import type { InteractionKind } from '../contacts/types.ts';
import type { StoredEntryContext } from '../digest/stored-entry-context.ts';
import type { ImapServerSettings } from '../providers/imap/imap-server-settings.ts';
import type { CalendarSourceSettings } from '../providers/caldav/calendar-source-settings.ts';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => at('created_at').notNull().defaultNow();

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** The address digests go to; lower-cased. */
  email: text('email').notNull().unique(),
  name: text('name'),
  timezone: text('timezone').notNull().default('UTC'),
  /** 0 = Sunday … 6 = Saturday, in the user's timezone. */
  digestDay: smallint('digest_day').notNull().default(1),
  digestHour: smallint('digest_hour').notNull().default(8),
  /** Set when new interactions arrive; contacts are recomputed while it is newer than computed. */
  contactsDirtyAt: at('contacts_dirty_at'),
  contactsComputedAt: at('contacts_computed_at'),
  /** Set when the user unsubscribed from the weekly digest (one-click or mailto); no digest is sent while set. */
  digestStoppedAt: at('digest_stopped_at'),
  /**
   * A pause of the weekly digest, by the user (settings, a `pause` reply) or by rekindle
   * (a hard bounce of the digest); no digest is sent while set. Cleared on resume.
   */
  digestPausedAt: at('digest_paused_at'),
  /** `complaint`: the person's mail provider reported a digest as spam (an ARF report). */
  digestPausedReason: text('digest_paused_reason').$type<'user' | 'bounced' | 'complaint'>(),
  /**
   * When the user was told (once, at another of their addresses) that rekindle paused their
   * digests; a pause newer than this one is still to be told (src/accounts/notify-digest-pause.ts).
   */
  digestPauseNotifiedAt: at('digest_pause_notified_at'),
  /** People per digest; null = the deployment's DIGEST_BUDGET. */
  digestBudget: smallint('digest_budget'),
  createdAt: createdAt(),
});

export type AccountStatus = 'active' | 'needs_reauth' | 'paused';
/**
 * `local`: mail and calendars imported from files (`rekindle import`); never synced, no grant.
 * `imap`: any IMAP mailbox, signed in with an app password (`imap_server` says where).
 */
export type ProviderName = 'google' | 'microsoft' | 'imap' | 'local';

export type { ImapServerSettings, CalendarSourceSettings };

export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    provider: text('provider').$type<ProviderName>().notNull(),
    /** The mailbox's primary address, lower-cased. */
    email: text('email').notNull(),
    status: text('status').$type<AccountStatus>().notNull().default('active'),
    /**
     * The provider's immutable id of the signed-in principal (Microsoft Graph's user `id`): a
     * Microsoft address is whatever a tenant's admin typed, so it alone never proves who this is.
     * Null for Google (Gmail's address is Google's own) and for rows made before it was kept.
     * For `imap`: `host:port/login`, the login the server accepted the app password for.
     */
    subject: text('subject'),
    /**
     * AES-256-GCM ciphertexts (`rk1.<key id>.…`, src/security/token-cipher.ts), never plaintext.
     * For `imap` accounts `refresh_token` holds the app password: the account's long-lived
     * secret, encrypted, rotated (`rekindle tokens reencrypt`) and cleared like a grant.
     */
    refreshToken: text('refresh_token'),
    accessToken: text('access_token'),
    accessTokenExpiresAt: at('access_token_expires_at'),
    /** Set when the provider revoked the grant; cleared on reconnect. */
    needsReauthAt: at('needs_reauth_at'),
    /** When the user was emailed a reconnect link for this grant (once per revocation); cleared on reconnect. */
    reauthNotifiedAt: at('reauth_notified_at'),
    lastError: text('last_error'),
    /** `imap` accounts only: the server to sign in to. No secret in here. */
    imapServer: jsonb('imap_server').$type<ImapServerSettings>(),
    /** `imap` accounts only: where meetings come from (CalDAV, an .ics feed); null = mail only. No secret in here. */
    calendarSources: jsonb('calendar_sources').$type<CalendarSourceSettings>(),
    /**
     * Ciphertext (as `refresh_token`) of the calendar sources' secrets: a CalDAV app password of
     * its own, the .ics feed's URL (src/providers/caldav/calendar-source-settings.ts).
     */
    calendarSecret: text('calendar_secret'),
    createdAt: createdAt(),
  },
  (t) => [
    // A Google or Microsoft mailbox is its address; an IMAP one is its server and login (`subject`,
    // src/providers/imap/imap-server-settings.ts): two people may connect IMAP mailboxes they call by one address.
    uniqueIndex('accounts_provider_email').on(t.provider, t.email).where(sql`provider <> 'imap'`),
    uniqueIndex('accounts_imap_subject').on(t.provider, t.subject).where(sql`provider = 'imap'`),
    index('accounts_user').on(t.userId),
  ],
);

/** Every address that is the user: account addresses, provider aliases, configured aliases. */
export const userAddresses = pgTable(
  'user_addresses',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Normalized identity key (see src/contacts/normalize-address.ts). */
    address: text('address').notNull(),
    /** `learned`: the From of the user's own sent mail in an import. */
    source: text('source').$type<'account' | 'alias' | 'provider' | 'learned'>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.address] })],
);

export type SyncStreamName = 'mail' | 'calendar';
export type SyncPhase = 'backfill' | 'incremental';

/**
 * One row per account and stream (mail, calendar): the provider-owned cursor, the schedule
 * and the claim that keeps a second worker off the same account.
 */
export const syncStreams = pgTable(
  'sync_streams',
  {
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    stream: text('stream').$type<SyncStreamName>().notNull(),
    phase: text('phase').$type<SyncPhase>().notNull().default('backfill'),
    /** Provider-owned, opaque to the engine; null means "start from scratch". Moves only forward. */
    cursor: jsonb('cursor'),
    nextRunAt: at('next_run_at').notNull().defaultNow(),
    /** When a job for this stream was last put on the queue; the scheduler does not queue it twice. */
    enqueuedAt: at('enqueued_at'),
    leaseOwner: text('lease_owner'),
    leaseUntil: at('lease_until'),
    itemsSynced: bigint('items_synced', { mode: 'number' }).notNull().default(0),
    quotaUnitsSpent: bigint('quota_units_spent', { mode: 'number' }).notNull().default(0),
    /** When the current full sync started from an empty cursor. */
    backfillStartedAt: at('backfill_started_at'),
    /** Oldest item date the backfill has committed: how far back history reaches so far. */
    backfillOldestAt: at('backfill_oldest_at'),
    backfillCompletedAt: at('backfill_completed_at'),
    lastSyncedAt: at('last_synced_at'),
    fullResyncs: integer('full_resyncs').notNull().default(0),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.stream] }), index('sync_streams_due').on(t.nextRunAt)],
);

/**
 * Every message the sync has looked at, so a message is fetched once (quota) and counted once.
 * Metadata only; `skipReason` records why a message produced no interaction.
 */
export const mailMessages = pgTable(
  'mail_messages',
  {
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    providerId: text('provider_id').notNull(),
    threadId: text('thread_id'),
    internetMessageId: text('internet_message_id'),
    sentAt: at('sent_at'),
    folder: text('folder').$type<'sent' | 'inbox' | 'other'>(),
    skipReason: text('skip_reason'),
    syncedAt: at('synced_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.providerId] }),
    // A digest whose SMTP answer was lost is looked for by its Message-ID (src/digest/resolve-unknown-digests.ts).
    index('mail_messages_message_id').on(t.accountId, t.internetMessageId),
  ],
);

export const calendarEvents = pgTable(
  'calendar_events',
  {
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    providerId: text('provider_id').notNull(),
    /** Shared by the copies of one meeting in several calendars; names its interactions. */
    sourceKey: text('source_key').notNull(),
    startsAt: at('starts_at'),
    endsAt: at('ends_at'),
    status: text('status'),
    attendeeCount: integer('attendee_count').notNull().default(0),
    /** Last time a sync listed this event; a full resync removes events it no longer lists. */
    seenAt: at('seen_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.providerId] })],
);

export type { InteractionKind };

/**
 * One row per (message or meeting, contact, kind). `sourceKey` is the Message-ID (or the
 * event's iCalUID and start), so one message seen twice — re-synced, or in two mailboxes of
 * the same user — is counted once.
 */
export const interactions = pgTable(
  'interactions',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    sourceKey: text('source_key').notNull(),
    /** The person's identity: their normalized address. */
    contact: text('contact').notNull(),
    /** The address as this message wrote it (lower-cased), to show the person as they write. */
    address: text('address').notNull(),
    kind: text('kind').$type<InteractionKind>().notNull(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    occurredAt: at('occurred_at').notNull(),
    /** How much this interaction says about closeness (1 = a direct 1:1 message). */
    weight: real('weight').notNull(),
    /** Display name as written in this message's headers. */
    contactName: text('contact_name'),
    /** People on the message or meeting besides the user. */
    participants: integer('participants').notNull(),
    threadKey: text('thread_key'),
    subject: text('subject'),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.sourceKey, t.contact, t.kind] }),
    index('interactions_user_contact').on(t.userId, t.contact, t.occurredAt),
  ],
);

/**
 * What a mailbox showed about people it names without an SMTP address (see
 * src/contacts/exchange-directory.ts): `alias` (`ex:<dn>` or `name:<name>`) was written with
 * `target` (an address, or an `ex:` DN) on `seen` messages of one mailbox. Resolution reads
 * all the user's mailboxes together, because the evidence for a person may come pages or
 * days after their first message, or from another mailbox; it goes with its mailbox.
 */
export const addressEvidence = pgTable(
  'address_evidence',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    alias: text('alias').notNull(),
    target: text('target').notNull(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    seen: integer('seen').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.alias, t.target, t.accountId] }), index('address_evidence_target').on(t.userId, t.target)],
);

/**
 * Interactions with a mailbox not yet resolved to an address (`alias` as in address_evidence):
 * the rest of an `interactions` row, waiting. They move to `interactions` once the mailbox
 * shows who the alias is; until then they are counted as unresolved, never dropped.
 */
export const pendingInteractions = pgTable(
  'pending_interactions',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    sourceKey: text('source_key').notNull(),
    alias: text('alias').notNull(),
    kind: text('kind').$type<InteractionKind>().notNull(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    occurredAt: at('occurred_at').notNull(),
    weight: real('weight').notNull(),
    contactName: text('contact_name'),
    participants: integer('participants').notNull(),
    threadKey: text('thread_key'),
    subject: text('subject'),
  },
  (t) => [primaryKey({ columns: [t.userId, t.alias, t.sourceKey, t.kind] })],
);

export type ContactStatus = 'active' | 'done' | 'snoozed' | 'never';

/**
 * Contacts as of the last recompute (`contact_state.as_of`); derived entirely from
 * `interactions`, and everything a ContactSummary holds, so the digest and `rekindle contacts`
 * read them instead of inferring again (src/contact-store/contacts-as-of.ts).
 */
export const contacts = pgTable(
  'contacts',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Identity: the normalized address (interactions.contact). */
    contact: text('contact').notNull(),
    /** The address to show and write to. */
    email: text('email').notNull(),
    name: text('name'),
    /** Every normalized address of the person (identity merges), the key first. */
    addresses: text('addresses').array().notNull().default([]),
    firstContactAt: at('first_contact_at').notNull(),
    lastContactAt: at('last_contact_at').notNull(),
    lastOutboundAt: at('last_outbound_at'),
    lastInboundAt: at('last_inbound_at'),
    lastMeetingAt: at('last_meeting_at'),
    nextMeetingAt: at('next_meeting_at'),
    sentCount: integer('sent_count').notNull(),
    receivedCount: integer('received_count').notNull(),
    meetingCount: integer('meeting_count').notNull(),
    cadenceDays: real('cadence_days'),
    strength: real('strength').notNull(),
    lastSubject: text('last_subject'),
    /** Who wrote the last personal message: `them` or `you`. */
    lastWriter: text('last_writer').$type<'them' | 'you'>(),
    /** Thread of the last personal interaction with a subject (curation keeps one old thread to one entry). */
    lastThreadKey: text('last_thread_key'),
    /** Why the addresses are one person: `[{a, b, rule, evidence}]`, in inference's order. */
    identityLinks: jsonb('identity_links')
      .$type<{ a: string; b: string; rule: string; evidence: string; messages?: [number, number] }[]>()
      .notNull()
      .default([]),
    /** A likely job change: `{from, to, since}` (organizations, ISO date), or null. */
    domainChange: jsonb('domain_change').$type<{ from: string; to: string; since: string }>(),
    /**
     * What `strength` is made of (src/contacts/strength.ts, agedVolume): per kind, Σ weight
     * and Σ weight·2^((at − 2000-01-01)/365 d) of personal interactions. With them and
     * `last_contact_at`, a recompute moves the strength of contacts nobody wrote to forward
     * in time without reading their interactions.
     */
    sentWeight: doublePrecision('sent_weight').notNull().default(0),
    sentDecaying: doublePrecision('sent_decaying').notNull().default(0),
    receivedWeight: doublePrecision('received_weight').notNull().default(0),
    receivedDecaying: doublePrecision('received_decaying').notNull().default(0),
    meetingWeight: doublePrecision('meeting_weight').notNull().default(0),
    meetingDecaying: doublePrecision('meeting_decaying').notNull().default(0),
    computedAt: at('computed_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.contact] })],
);

/**
 * Per address with interactions, what an incremental recompute of contacts needs between
 * runs (src/contact-store/recompute-contacts.ts): the name identity groups it by, the person
 * it belongs to, and when its first interaction after the last recompute becomes history.
 */
export const contactAddresses = pgTable(
  'contact_addresses',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    address: text('address').notNull(),
    nameKey: text('name_key'),
    person: text('person').notNull(),
    nextAt: at('next_at'),
  },
  (t) => [primaryKey({ columns: [t.userId, t.address] })],
);

/**
 * Addresses whose interactions changed since the user's contacts were last computed:
 * written in the same transaction as the interactions, consumed by the next recompute, which
 * then reads only these people's interactions instead of the whole history.
 */
export const dirtyContacts = pgTable(
  'dirty_contacts',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    contact: text('contact').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.contact] })],
);

/**
 * What the stored contacts of a user were computed from: the instant (`as_of`) and
 * fingerprints of the user's own addresses and identity decisions. A recompute is
 * incremental only when both fingerprints still match and time moved forward.
 */
export const contactState = pgTable('contact_state', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  asOf: at('as_of').notNull(),
  ownerDigest: text('owner_digest').notNull(),
  decisionsDigest: text('decisions_digest').notNull(),
});

export type MarkStatus = 'done' | 'snoozed' | 'never';

/**
 * What the user said about a person (src/verdicts/): done until the next conversation,
 * snoozed until a date, or never again (`status`, with `marked_at` and `until`); that they met
 * or called them on a day (`met_at`, counted as being in touch then); and how often they
 * expect to be in touch with them (`cadence_days`, instead of the learned rhythm). Each part
 * may be unset; a row with none is deleted. Keyed by the contact's identity
 * (`contacts.contact`), so it survives every recompute of `contacts`.
 */
export const contactMarks = pgTable(
  'contact_marks',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    contact: text('contact').notNull(),
    status: text('status').$type<MarkStatus>(),
    markedAt: at('marked_at'),
    until: at('until'),
    metAt: at('met_at'),
    cadenceDays: real('cadence_days'),
  },
  (t) => [primaryKey({ columns: [t.userId, t.contact] })],
);

/**
 * queued → preparing → sending → sent | unknown, or → failed (SMTP refused it; queued again
 * later) or → empty (nobody to suggest). `sending` is written before the message is handed to
 * SMTP and left only on SMTP's answer: a digest in `sending` or `unknown` is never sent a
 * second time. See src/digest/send-digest.ts.
 */
export type DigestStatus = 'queued' | 'preparing' | 'sending' | 'sent' | 'failed' | 'unknown' | 'empty';

/** `weekly`: the scheduled list; `more`: the next people, sent at once because a reply said "more". */
export type DigestKind = 'weekly' | 'more';

/**
 * One row per user and week (plus one per "more" reply): the claim that keeps a digest from
 * being sent twice, the token replies are matched by, and (with digest_items) the numbered
 * list replies refer to.
 */
export const digests = pgTable(
  'digests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Monday of the digest's week, in the user's timezone: at most one weekly digest per user and week. */
    weekOf: date('week_of', { mode: 'string' }).notNull(),
    kind: text('kind').$type<DigestKind>().notNull().default('weekly'),
    /** A `more` list: the verdict that asked for it (verdict_journal.id; before migration 0002, the inbound reply's id). */
    requestedBy: uuid('requested_by'),
    status: text('status').$type<DigestStatus>().notNull(),
    /** Secret part of `Reply-To: reply+<token>@<inbound domain>`; finds the digest a reply answers. */
    token: text('token').notNull().unique(),
    /** The Message-ID header (with angle brackets), for replies found through References. */
    messageId: text('message_id').notNull().unique(),
    /** Where it went: the user's address when it was sent. */
    recipient: text('recipient').notNull(),
    subject: text('subject'),
    /** The instant the list was chosen for. */
    asOf: at('as_of'),
    /** How many times a worker took it up (crashes and resends included). */
    attempts: integer('attempts').notNull().default(0),
    /**
     * How many times SMTP refused it: what a `failed` digest is retried up to (DIGEST_MAX_ATTEMPTS).
     * Apart from `attempts`, so a worker killed while holding it does not use up its tries.
     */
    smtpRefusals: integer('smtp_refusals').notNull().default(0),
    /**
     * Queued or preparing: when the claim lapses (the job was lost, or its worker died) and
     * the scheduler may queue it again. Failed: when to try again.
     */
    leaseUntil: at('lease_until'),
    handedToSmtpAt: at('handed_to_smtp_at'),
    sentAt: at('sent_at'),
    smtpResponse: text('smtp_response'),
    lastError: text('last_error'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('digests_user_week').on(t.userId, t.weekOf).where(sql`kind = 'weekly'`),
    uniqueIndex('digests_requested_by').on(t.requestedBy),
    // The few digests whose send outcome is not known yet, looked at on every scheduler pass.
    index('digests_unresolved').on(t.handedToSmtpAt).where(sql`status in ('sending', 'unknown')`),
  ],
);

/** The numbered entries of a digest, as sent: numbers in replies resolve against these. */
export const digestItems = pgTable(
  'digest_items',
  {
    digestId: uuid('digest_id')
      .notNull()
      .references(() => digests.id, { onDelete: 'cascade' }),
    position: smallint('position').notNull(),
    /** The person's identity (contacts.contact). */
    contact: text('contact').notNull(),
    email: text('email').notNull(),
    name: text('name'),
    reason: text('reason').notNull(),
    lastContactAt: at('last_contact_at').notNull(),
    cadenceDays: real('cadence_days'),
    lastSubject: text('last_subject'),
    /**
     * The help to write as sent (src/digest/load-entry-context.ts; dates as ISO strings), so a
     * digest sent again says exactly what the first copy said. Null for lists sent before it.
     */
    context: jsonb('context').$type<StoredEntryContext>(),
  },
  (t) => [primaryKey({ columns: [t.digestId, t.position] })],
);

export type ReplyOutcome =
  | 'applied'
  | 'no_commands'
  | 'unsubscribed'
  | 'stale_digest'
  | 'unknown_digest'
  /** From is not the digest owner's address: held; the owner may confirm it by a link. */
  | 'wrong_sender'
  /** From is the owner's, but DKIM/DMARC failed or could not be checked: held, as above. */
  | 'unverified'
  | 'automated'
  /** A delivery report saying a digest could not be delivered for good: the user's digests pause. */
  | 'bounced'
  /** More than one Message-ID, From, Date, Subject or To header: not applied, whoever sent it (`detail` names the header). */
  | 'ambiguous'
  /** A message received before, again (a retry or a replayed copy): changed nothing (`detail` says how it was known). */
  | 'duplicate';

/** Which inbound channel brought a message. */
export type InboundChannel = 'smtp' | 'imap' | 'webhook';

/**
 * Every inbound message once, by Message-ID (or a hash of the raw message when it has none),
 * and an applied reply also by its DKIM signatures: a redelivered or replayed reply is
 * recognised, changes nothing, and is kept as a `duplicate` row of its own. Only the outcome and the commands
 * read are kept, never the reply's text.
 */
export const inboundReplies = pgTable(
  'inbound_replies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    dedupeKey: text('dedupe_key').notNull().unique(),
    digestId: uuid('digest_id').references(() => digests.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    outcome: text('outcome').$type<ReplyOutcome>().notNull(),
    /** Why it was not applied, e.g. `auto-reply`, `bounce`, `sender`. */
    detail: text('detail'),
    channel: text('channel').$type<InboundChannel>(),
    /** The From address, lower-cased (who a held reply came from; rejection notices are limited per sender). */
    sender: text('sender'),
    /** What authenticating the sender found, e.g. `dmarc=pass header.from=example.com`, `dmarc=fail`, `none`. */
    auth: text('auth'),
    /**
     * An applied reply: SHA-256 of each DKIM signature (`b=`) of the From's domain it carried.
     * A later message of the same user sharing one is a copy, however its unsigned headers
     * (a Message-ID some providers do not sign) were changed.
     */
    signatures: text('signatures').array(),
    /** The parsed commands (what they changed is in verdict_journal, `ref` = this id). */
    commands: jsonb('commands'),
    /** A held reply: when its owner was sent the link that confirms it (at most one per sender a day). */
    noticeSentAt: at('notice_sent_at'),
    /** A held reply: when its owner confirmed it through that link, and it was applied. */
    confirmedAt: at('confirmed_at'),
    receivedAt: createdAt(),
  },
  (t) => [
    index('inbound_replies_user').on(t.userId, t.receivedAt),
    index('inbound_replies_notices').on(t.userId, t.sender, t.noticeSentAt),
  ],
);

/**
 * The user's corrections of identity: two addresses are one person (`merge`) or two people
 * (`split`, which overrides the automatic rules of src/contacts/identity.ts). Stored as an
 * unordered pair (`address_a` < `address_b`); deleting the row undoes the decision.
 */
export const identityDecisions = pgTable(
  'identity_decisions',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    addressA: text('address_a').notNull(),
    addressB: text('address_b').notNull(),
    decision: text('decision').$type<'merge' | 'split'>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.addressA, t.addressB] })],
);

/** Where a verdict came from: a reply, a digest link, the settings page, the web's "who is due" page, the unsubscribe link, or a bounce report. */
export type VerdictSource = 'reply' | 'link' | 'settings' | 'web' | 'unsubscribe' | 'bounce';

/**
 * The one journal of what users said (src/verdicts/): one entry per application of verdicts,
 * whatever the channel, with each change's before and after, so `undo` — by reply, by link or
 * on the web — takes back the newest entry of any channel, and nothing is restored over a
 * change made since.
 */
export const verdictJournal = pgTable(
  'verdict_journal',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Order of application (a user's entries are written under a lock on their row): undo takes the highest first. */
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    source: text('source').$type<VerdictSource>().notNull(),
    /**
     * What the source names: the inbound message's id (inbound_replies.id) for a reply or a
     * bounce, `<digest id>/<position>` for a digest link, the digest's id for an unsubscribe;
     * null for the settings page and the "who is due" page.
     */
    ref: text('ref'),
    /** The changes, each with its before and after (src/verdicts/journal.ts, JournalChange). */
    changes: jsonb('changes').notNull(),
    appliedAt: at('applied_at').notNull(),
    undoneAt: at('undone_at'),
    /** The channel that took it back. */
    undoneVia: text('undone_via').$type<VerdictSource>(),
  },
  (t) => [index('verdict_journal_user').on(t.userId, t.seq), index('verdict_journal_ref').on(t.userId, t.source, t.ref)],
);
