/**
 * What the status and settings pages show, read from Postgres in one go: the user's settings,
 * each mailbox with its sync progress (`sync_streams`), the contacts found, and when the next
 * digest goes out.
 */
import type { Sql } from '../db/client.ts';
import { currentDigestWeek, type DigestScheduleSetting } from '../digest/digest-week.ts';

export interface StreamProgress {
  items: number;
  backfillOldestAt: Date | null;
  backfillCompletedAt: Date | null;
  lastSyncedAt: Date | null;
  lastError: string | null;
}

export interface MailboxStatus {
  id: string;
  provider: string;
  email: string;
  status: string;
  needsReauthAt: Date | null;
  connectedAt: Date;
  mail: StreamProgress | null;
  calendar: StreamProgress | null;
  /** `synced`: both streams finished their first full sync; `syncing`; `needs_reauth`; `imported` (local files). */
  state: 'synced' | 'syncing' | 'needs_reauth' | 'imported';
}

export interface UserStatus {
  id: string;
  email: string;
  timezone: string;
  digestDay: number;
  digestHour: number;
  digestBudget: number | null;
  digestPausedAt: Date | null;
  digestPausedReason: string | null;
  digestStoppedAt: Date | null;
  contacts: number;
  /**
   * People written without an address the mail has shown so far (Exchange DNs, bare names),
   * and the messages they are on: kept aside, counted as soon as a message shows who they are.
   */
  unresolved: { people: number; messages: number };
  mailboxes: MailboxStatus[];
  /** `attempts`: the times SMTP refused it; a `failed` one is retried up to DIGEST_MAX_ATTEMPTS. */
  lastDigest: { weekOf: string; status: string; sentAt: Date | null; attempts: number } | null;
  /** When the next digest is due; null while paused or unsubscribed. `soon`: due now, waiting on the first sync or the scheduler. */
  nextDigest: { at: Date; soon: boolean } | null;
  /** Every connected mailbox has finished its first sync. */
  synced: boolean;
}

/** The user's own address (their sign-in), or null when the user is gone. */
export async function loadUserEmail(sql: Sql, userId: string): Promise<string | null> {
  const [user] = await sql<{ email: string }[]>`select email from users where id = ${userId}`;
  return user?.email ?? null;
}

export async function loadUserStatus(sql: Sql, userId: string, now: Date = new Date()): Promise<UserStatus | null> {
  const [user] = await sql<Omit<UserStatus, 'contacts' | 'unresolved' | 'mailboxes' | 'lastDigest' | 'nextDigest' | 'synced'>[]>`
    select id, email, timezone, digest_day as "digestDay", digest_hour as "digestHour", digest_budget as "digestBudget",
           digest_paused_at as "digestPausedAt", digest_paused_reason as "digestPausedReason", digest_stopped_at as "digestStoppedAt"
      from users where id = ${userId}`;
  if (!user) return null;
  const [counted] = await sql<{ contacts: number }[]>`select count(*)::int as contacts from contacts where user_id = ${userId}`;
  const contacts = counted?.contacts ?? 0;
  const [pending] = await sql<{ people: number; messages: number }[]>`
    select count(distinct alias)::int as people, count(distinct source_key)::int as messages
      from pending_interactions where user_id = ${userId}`;
  const unresolved = { people: pending?.people ?? 0, messages: pending?.messages ?? 0 };
  const rows = await sql<
    (Omit<MailboxStatus, 'mail' | 'calendar' | 'state'> & { streams: (StreamProgress & { stream: string })[] | null })[]
  >`
    select a.id, a.provider, a.email, a.status, a.needs_reauth_at as "needsReauthAt", a.created_at as "connectedAt",
           (select json_agg(json_build_object(
                     'stream', s.stream, 'items', s.items_synced, 'backfillOldestAt', s.backfill_oldest_at,
                     'backfillCompletedAt', s.backfill_completed_at, 'lastSyncedAt', s.last_synced_at, 'lastError', s.last_error))
              from sync_streams s where s.account_id = a.id) as streams
      from accounts a where a.user_id = ${userId} order by a.created_at, a.email`;
  const mailboxes: MailboxStatus[] = rows.map(({ streams, ...account }) => {
    const stream = (name: string): StreamProgress | null => {
      const s = streams?.find((x) => x.stream === name);
      if (!s) return null;
      const date = (v: unknown) => (v ? new Date(v as string) : null);
      return {
        items: Number(s.items),
        backfillOldestAt: date(s.backfillOldestAt),
        backfillCompletedAt: date(s.backfillCompletedAt),
        lastSyncedAt: date(s.lastSyncedAt),
        lastError: s.lastError,
      };
    };
    const mail = stream('mail');
    const calendar = stream('calendar');
    const state: MailboxStatus['state'] =
      account.provider === 'local'
        ? 'imported'
        : account.status === 'needs_reauth'
          ? 'needs_reauth'
          : mail?.backfillCompletedAt && calendar?.backfillCompletedAt
            ? 'synced'
            : 'syncing';
    return { ...account, mail, calendar, state };
  });
  const [lastDigest] = await sql<{ weekOf: string; status: string; sentAt: Date | null; attempts: number }[]>`
    select week_of::text as "weekOf", status, sent_at as "sentAt", smtp_refusals as attempts from digests
     where user_id = ${userId} and kind = 'weekly' order by week_of desc, created_at desc limit 1`;
  const schedule = { day: user.digestDay, hour: user.digestHour, timezone: user.timezone };
  const paused = user.digestPausedAt !== null || user.digestStoppedAt !== null;
  const synced = mailboxes.every((m) => m.state !== 'syncing');
  let nextDigest: UserStatus['nextDigest'] = null;
  if (!paused) {
    const thisWeek = currentDigestWeek(now, schedule);
    const made = lastDigest !== undefined && thisWeek !== null && lastDigest.weekOf >= thisWeek;
    nextDigest = made ? { at: nextSlotAfter(now, schedule), soon: false } : { at: now, soon: true };
  }
  return { ...user, contacts, unresolved, mailboxes, lastDigest: lastDigest ?? null, nextDigest, synced };
}

/** The first digest slot (day and hour in the user's timezone) strictly after `now`. */
export function nextSlotAfter(now: Date, schedule: DigestScheduleSetting): Date {
  const local = localDate(now, schedule.timezone);
  for (let offset = 0; offset <= 8; offset++) {
    const day = new Date(Date.UTC(local.year, local.month - 1, local.day + offset));
    if (day.getUTCDay() !== schedule.day) continue;
    const at = zonedTime(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), schedule.hour, schedule.timezone);
    if (at.getTime() > now.getTime()) return at;
  }
  throw new Error('nextSlotAfter: no slot within eight days');
}

function localDate(at: Date, timezone: string): { year: number; month: number; day: number; hour: number; minute: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
  };
}

/** The instant a wall-clock hour happens in a timezone (the later one across a DST change). */
function zonedTime(year: number, month: number, day: number, hour: number, timezone: string): Date {
  const wanted = Date.UTC(year, month - 1, day, hour);
  let guess = wanted;
  for (let i = 0; i < 3; i++) {
    const local = localDate(new Date(guess), timezone);
    const shown = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
    const diff = wanted - shown;
    if (diff === 0) break;
    guess += diff;
  }
  return new Date(guess);
}
