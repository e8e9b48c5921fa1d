/**
 * Large synthetic mailboxes for benchmarks: realistic header shapes (names, several
 * recipients, threads, some lists) and a calendar of small meetings, generated fast and
 * deterministically. The same options always give the same mailbox.
 */
import type { MailboxSeed, SeedEvent, SeedMessage } from '../fakes/google/seed-types.ts';

export interface SyntheticOptions {
  owner: string;
  messages: number;
  /** Distinct correspondents; default one per 40 messages (at least 50). */
  people?: number;
  /** Calendar events; default one per 50 messages. */
  events?: number;
  seed?: number;
  /** Newest message date; history reaches about five years back from it. */
  end?: Date;
  /** Prefix of message ids, so several mailboxes of one emulator never share one. */
  idBase?: number;
}

export function syntheticMailbox(options: SyntheticOptions): MailboxSeed {
  const people = options.people ?? Math.max(50, Math.floor(options.messages / 40));
  const end = (options.end ?? new Date('2026-01-01T00:00:00Z')).getTime();
  const span = 5 * 365 * 86_400_000;
  const spacing = Math.max(60_000, Math.floor(span / Math.max(1, options.messages)));
  const base = options.idBase ?? 0x10000000000;
  let state = options.seed ?? 1;
  const rand = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const messages: SeedMessage[] = new Array(options.messages);
  for (let i = 0; i < options.messages; i++) {
    const at = new Date(end - i * spacing);
    const person = Math.floor(rand() ** 2 * people);
    const other = `Person ${person} <person${person}@example${person % 7}.com>`;
    const sent = rand() < 0.3;
    const list = !sent && rand() < 0.2;
    const cc = rand() < 0.2 ? `person${(person + 1) % people}@example.net, person${(person + 2) % people}@example.net` : null;
    messages[i] = {
      id: (base + i).toString(16),
      threadId: (base + (i - (i % 3))).toString(16),
      labelIds: sent ? ['SENT'] : list ? ['INBOX', 'CATEGORY_UPDATES'] : ['INBOX'],
      internalDate: at.toISOString(),
      headers: [
        { name: 'Message-ID', value: `<bench-${base.toString(36)}-${i}@mail.example.com>` },
        { name: 'Date', value: at.toUTCString() },
        { name: 'From', value: sent ? options.owner : list ? 'News <news@lists.example.org>' : other },
        { name: 'To', value: sent ? other : options.owner },
        ...(cc ? [{ name: 'Cc', value: cc }] : []),
        { name: 'Subject', value: `Message number ${i % 997}` },
        ...(list ? [{ name: 'List-Id', value: '<news.lists.example.org>' }] : []),
      ],
    };
  }
  const eventCount = options.events ?? Math.floor(options.messages / 50);
  const events: SeedEvent[] = new Array(eventCount);
  const eventSpacing = Math.floor(span / Math.max(1, eventCount));
  for (let i = 0; i < eventCount; i++) {
    // A few meetings lie ahead of the newest mail: upcoming ones matter to the digest.
    const start = new Date(end + 14 * 86_400_000 - i * eventSpacing);
    const size = 1 + Math.floor(rand() * 4);
    const first = Math.floor(rand() ** 2 * people);
    events[i] = {
      summary: `Meeting ${i % 211}`,
      start: { dateTime: start.toISOString() },
      end: { dateTime: new Date(start.getTime() + 30 * 60_000).toISOString() },
      attendees: [
        { email: options.owner, responseStatus: 'accepted', organizer: true },
        ...Array.from({ length: size }, (_, k) => ({
          email: `person${(first + k) % people}@example${((first + k) % people) % 7}.com`,
          displayName: `Person ${(first + k) % people}`,
          responseStatus: 'accepted' as const,
        })),
      ],
    };
  }
  return { email: options.owner, messages, events };
}
