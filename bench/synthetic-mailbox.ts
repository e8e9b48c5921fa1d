/**
 * Large synthetic mailboxes for benchmarks: realistic header shapes (names, several
 * recipients, threads, some lists), generated fast and deterministically.
 */
import type { MailboxSeed, SeedMessage } from '../src/emulators/google/seed-types.ts';

export function syntheticMailbox(options: { owner: string; messages: number; people?: number; seed?: number; end?: Date }): MailboxSeed {
  const people = options.people ?? Math.max(50, Math.floor(options.messages / 40));
  const end = (options.end ?? new Date('2026-01-01T00:00:00Z')).getTime();
  const spacing = Math.max(60_000, Math.floor((5 * 365 * 86_400_000) / options.messages));
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
      id: (0x10000000000 + i).toString(16),
      threadId: (0x10000000000 + (i - (i % 3))).toString(16),
      labelIds: sent ? ['SENT'] : list ? ['INBOX', 'CATEGORY_UPDATES'] : ['INBOX'],
      internalDate: at.toISOString(),
      headers: [
        { name: 'Message-ID', value: `<bench-${i}@mail.example.com>` },
        { name: 'Date', value: at.toUTCString() },
        { name: 'From', value: sent ? options.owner : list ? 'News <news@lists.example.org>' : other },
        { name: 'To', value: sent ? other : options.owner },
        ...(cc ? [{ name: 'Cc', value: cc }] : []),
        { name: 'Subject', value: `Message number ${i % 997}` },
        ...(list ? [{ name: 'List-Id', value: '<news.lists.example.org>' }] : []),
      ],
    };
  }
  return { email: options.owner, messages };
}
