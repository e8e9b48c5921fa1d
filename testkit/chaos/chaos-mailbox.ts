/**
 * The mailbox the chaos run syncs: deterministic (the same size and seed always give the same
 * messages and events, so an undisturbed run and a disturbed one can be compared row by row),
 * with what makes inference interesting — two-way correspondents of every rhythm, threads,
 * crowd Cc, list mail, no-reply senders, and a calendar of small and large meetings.
 */
import type { MailboxSeed, SeedEvent, SeedMessage } from '../../fakes/google/seed-types.ts';

export const CHAOS_OWNER = 'owner@chaos.example.com';

export function chaosMailbox(messages: number, seed = 1): MailboxSeed {
  let state = seed >>> 0 || 1;
  const rand = () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 4_294_967_296;
  };
  const people = Math.max(40, Math.floor(messages / 50));
  const end = Date.UTC(2026, 9, 1);
  const span = 4 * 365 * 86_400_000;
  const spacing = Math.max(1_000, Math.floor(span / Math.max(1, messages)));
  const person = (n: number) => ({ name: `Person ${n}`, email: `person${n}@org${n % 9}.example` });

  const mail: SeedMessage[] = [];
  for (let i = 0; i < messages; i++) {
    const at = new Date(end - i * spacing - Math.floor(rand() * 1000) * 1000);
    const n = Math.floor(rand() ** 2 * people);
    const them = person(n);
    const roll = rand();
    const sent = roll < 0.35;
    const list = !sent && roll < 0.5;
    const noreply = !sent && !list && roll < 0.55;
    const crowd = rand() < 0.05 ? Array.from({ length: 35 }, (_, k) => `crowd${k}@big.example`).join(', ') : null;
    const cc = !crowd && rand() < 0.2 ? person((n + 1) % people).email : null;
    const from = sent
      ? `Owner <${CHAOS_OWNER}>`
      : list
        ? 'Weekly News <news@lists.example.org>'
        : noreply
          ? 'no-reply@service.example'
          : `${them.name} <${them.email}>`;
    const to = sent ? `${them.name} <${them.email}>` : CHAOS_OWNER;
    mail.push({
      id: (0x1_0000_0000 + i).toString(16),
      threadId: (0x1_0000_0000 + i - (i % 4)).toString(16),
      labelIds: sent ? ['SENT'] : list ? ['INBOX', 'CATEGORY_UPDATES'] : ['INBOX'],
      internalDate: at.toISOString(),
      headers: [
        { name: 'Message-ID', value: `<chaos-${i}@mail.example>` },
        { name: 'Date', value: at.toUTCString() },
        { name: 'From', value: from },
        { name: 'To', value: to },
        ...(cc ? [{ name: 'Cc', value: cc }] : []),
        ...(crowd ? [{ name: 'Cc', value: crowd }] : []),
        { name: 'Subject', value: `${i % 4 ? 'Re: ' : ''}Topic ${Math.floor(i / 4) % 1009}` },
        ...(list
          ? [
              { name: 'List-Id', value: '<news.lists.example.org>' },
              { name: 'List-Unsubscribe', value: '<mailto:u@lists.example.org>' },
            ]
          : []),
      ],
    });
  }

  const events: SeedEvent[] = [];
  const eventCount = Math.max(10, Math.floor(messages / 40));
  for (let i = 0; i < eventCount; i++) {
    // Mostly past meetings, a few ahead (next-meeting dates).
    const start = new Date(end - Math.floor(rand() * span) + (i % 20 === 0 ? 90 * 86_400_000 : 0));
    start.setUTCMinutes(0, 0, 0);
    const size = rand() < 0.1 ? 40 : 1 + Math.floor(rand() * 3);
    const first = Math.floor(rand() * people);
    events.push({
      id: `chaosevent${i.toString(32)}`,
      summary: `Meeting ${i}`,
      start: { dateTime: start.toISOString() },
      end: { dateTime: new Date(start.getTime() + 3_600_000).toISOString() },
      updated: start.toISOString(),
      ...(i % 50 === 7 ? { status: 'cancelled' as const } : {}),
      attendees: [
        { email: CHAOS_OWNER, responseStatus: 'accepted' as const },
        ...Array.from({ length: size }, (_, k) => ({
          email: person((first + k) % people).email,
          responseStatus: rand() < 0.85 ? ('accepted' as const) : ('declined' as const),
        })),
      ],
    });
  }
  return { email: CHAOS_OWNER, messages: mail, events };
}
