import { parseArgs } from 'node:util';
import { findUserByEmail } from '../accounts/connect-account.ts';
import { getConfig } from '../config/env.ts';
import { contactsAsOf } from '../contact-store/contacts-as-of.ts';
import type { ContactSummary } from '../contacts/types.ts';
import { createDatabase, type Database } from '../db/client.ts';
import { loadMarks, markStatus } from '../digest/load-marks.ts';
import { parseAsOf, requireOption, UsageError } from './usage-error.ts';

/** The user's contacts as of a date: the stored contacts, carried to that date as the digest reads them (contactsAsOf). */
export async function contactsCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { user: { type: 'string' }, 'as-of': { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const email = requireOption(values.user, '--user');
  const asOf = parseAsOf(values['as-of']);
  const database = createDatabase(getConfig().DATABASE_URL, { max: 2 });
  try {
    process.stdout.write(await renderContacts(database, email, asOf, values.json));
  } finally {
    await database.close();
  }
}

/** The contacts listing, as JSON or as a table. */
export async function renderContacts(database: Database, email: string, asOf: Date, json: boolean): Promise<string> {
  const user = await findUserByEmail(database.sql, email);
  if (!user) throw new UsageError(`No user ${email}. Connect a mailbox or import mail for them first.`);
  const contacts = (await contactsAsOf(database.sql, user.id, asOf)).contacts.sort(
    (a, b) => b.lastContactAt.getTime() - a.lastContactAt.getTime() || a.email.localeCompare(b.email),
  );
  const marks = await loadMarks(database.sql, user.id);
  return json
    ? JSON.stringify(
        contacts.map((c) => toJson(c, markStatus(marks.get(c.key), c, asOf))),
        null,
        2,
      ) + '\n'
    : table(contacts, asOf);
}

function toJson(c: ContactSummary, status: string) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    email: c.email,
    name: c.name,
    lastContactAt: iso(c.lastContactAt),
    lastOutboundAt: iso(c.lastOutboundAt),
    lastInboundAt: iso(c.lastInboundAt),
    sentCount: c.sentCount,
    receivedCount: c.receivedCount,
    meetingCount: c.meetingCount,
    cadenceDays: c.cadenceDays === null ? null : Math.round(c.cadenceDays * 10) / 10,
    strength: Math.round(c.strength * 1000) / 1000,
    // What the user said in reply to a digest, while it holds: done, snoozed or never.
    status,
    firstContactAt: iso(c.firstContactAt),
    lastMeetingAt: iso(c.lastMeetingAt),
    nextMeetingAt: iso(c.nextMeetingAt),
    lastWriter: c.lastWriter,
    lastSubject: c.lastSubject,
    // One entry per person: every address of theirs, and why they are one person.
    addresses: c.addresses,
    mergedBecause: c.identityLinks.map(
      (l) => `${l.a} = ${l.b}: ${l.evidence} (${l.rule}${l.messages ? `; on ${l.messages[0]} and ${l.messages[1]} messages` : ''})`,
    ),
    domainChange: c.domainChange && { ...c.domainChange, since: c.domainChange.since.toISOString() },
  };
}

function table(contacts: ContactSummary[], asOf: Date): string {
  if (contacts.length === 0) return 'No contacts yet. Has the mailbox finished its first sync?\n';
  const day = 86_400_000;
  const rows = contacts.map((c) => [
    c.name ? `${c.name} <${c.email}>` : c.email,
    `${c.lastContactAt.toISOString().slice(0, 10)} (${Math.floor((asOf.getTime() - c.lastContactAt.getTime()) / day)}d ago)`,
    `${c.sentCount}/${c.receivedCount}/${c.meetingCount}`,
    c.cadenceDays === null ? '-' : `~${Math.round(c.cadenceDays)}d`,
    c.strength.toFixed(2),
  ]);
  const header = ['contact', 'last contact', 'sent/recv/meet', 'cadence', 'strength'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line), `${contacts.length} contacts as of ${asOf.toISOString().slice(0, 10)}`].join('\n') + '\n';
}
