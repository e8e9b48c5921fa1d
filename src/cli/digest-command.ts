import { parseArgs } from 'node:util';
import { findUserByEmail } from '../accounts/connect-account.ts';
import { getConfig } from '../config/env.ts';
import { createDatabase, type Database } from '../db/client.ts';
import { chooseEntries } from '../digest/choose-entries.ts';
import { entryLines, type DigestEntry } from '../digest/render-digest.ts';
import { parseAsOf, requireOption, UsageError } from './usage-error.ts';

/** `rekindle digest preview`: the list a digest would carry on a date, with its reasons. */
export async function digestCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'preview') throw new UsageError(sub ? `unknown digest command "${sub}"` : 'expected a digest command: preview');
  const { values } = parseArgs({
    args: rest,
    options: { user: { type: 'string' }, 'as-of': { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const email = requireOption(values.user, '--user');
  const asOf = parseAsOf(values['as-of']);
  const config = getConfig();
  const database = createDatabase(config.DATABASE_URL, { max: 2 });
  try {
    process.stdout.write(await renderPreview(database, email, asOf, config.DIGEST_BUDGET, values.json));
  } finally {
    await database.close();
  }
}

/** The preview as JSON (`{user, asOf, budget, items}`) or as the digest's own text. */
export async function renderPreview(database: Database, email: string, asOf: Date, budget: number, json: boolean): Promise<string> {
  const user = await findUserByEmail(database.sql, email);
  if (!user) throw new UsageError(`No user ${email}. Connect a mailbox or import mail for them first.`);
  // The user's own list size (settings) wins over the deployment's, as when the digest is sent.
  const [own] = await database.sql<{ budget: number | null }[]>`select digest_budget as budget from users where id = ${user.id}`;
  budget = own?.budget ?? budget;
  const { candidates, entries } = await chooseEntries(database.sql, user.id, asOf, budget);
  if (json) {
    const items = candidates.map((c, i) => ({
      number: i + 1,
      email: c.contact.email,
      name: c.contact.name,
      reason: c.reason,
      lastContactAt: c.lastContactAt.toISOString(),
      daysSinceLastContact: c.daysSinceLastContact,
      cadenceDays: c.contact.cadenceDays === null ? null : Math.round(c.contact.cadenceDays * 10) / 10,
      expectedGapDays: Math.round(c.expectedGapDays * 10) / 10,
      lastSubject: c.contact.lastSubject,
      strength: Math.round(c.contact.strength * 1000) / 1000,
      score: Math.round(c.score * 1000) / 1000,
      ...contextJson(entries[i]!.context),
    }));
    return JSON.stringify({ user: user.email, asOf: asOf.toISOString(), budget, items }, null, 2) + '\n';
  }
  const day = asOf.toISOString().slice(0, 10);
  if (entries.length === 0) return `Nobody to suggest for ${user.email} as of ${day}: no digest would be sent.\n`;
  const lines = [`The digest for ${user.email} as of ${day} (at most ${budget}):`, ''];
  for (const entry of entries) {
    const e = entryLines(entry, asOf, user.timezone);
    lines.push(`${entry.position}. ${e.who}`, `   ${e.when}`, `   Why now: ${e.why}${e.opener ? ` ${e.opener}` : ''}`);
    if (e.about) lines.push(`   ${e.about}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** The help to write, as data: the opener, the last meeting shared, the mutual connection (dates as ISO). */
function contextJson(context: DigestEntry['context']) {
  if (!context) return {};
  const { meeting, mutual, opener } = context;
  return {
    opener,
    lastSharedMeeting: meeting ? { title: meeting.title, at: meeting.at.toISOString(), people: meeting.people } : null,
    mutualConnection: mutual
      ? {
          email: mutual.email,
          name: mutual.name,
          shared: mutual.shared,
          kinds: mutual.kinds,
          lastWroteAt: mutual.lastWroteAt.toISOString(),
        }
      : null,
  };
}
