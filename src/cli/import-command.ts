import { parseArgs } from 'node:util';
import { getConfig } from '../config/env.ts';
import { recomputeContacts } from '../contact-store/recompute-contacts.ts';
import { normalizeAddress } from '../contacts/normalize-address.ts';
import { createDatabase } from '../db/client.ts';
import { createdDatabaseLine, runMigrations } from '../db/migrate.ts';
import { importCalendar } from '../import/import-calendar.ts';
import { importMail, type MailImportSummary } from '../import/import-mail.ts';
import { ensureLocalAccount } from '../import/local-account.ts';
import { createProgress } from '../import/progress.ts';
import { readIcs } from '../import/read-ics.ts';
import { countMaildir, readMaildir } from '../import/read-maildir.ts';
import { countMbox, readMbox } from '../import/read-mbox.ts';
import { UsageError } from './usage-error.ts';

const KINDS = ['maildir', 'mbox', 'ics'] as const;

/**
 * `rekindle import maildir|mbox|ics <path> --owner <email> [--aliases a,b]`: local mail and
 * calendars through the same ingestion as a live mailbox, into the owner's `local` account,
 * then the owner's contacts recomputed. Safe to run again on the same files.
 */
export async function importCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { owner: { type: 'string' }, aliases: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  const [kind, source, ...extra] = positionals;
  if (!kind || !(KINDS as readonly string[]).includes(kind))
    throw new UsageError(`expected one of ${KINDS.join(', ')}, got ${kind ? `"${kind}"` : 'nothing'}`);
  if (!source) throw new UsageError(`the ${kind === 'maildir' ? 'directory' : 'file'} to import is missing`);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  if (!values.owner) throw new UsageError('--owner is required');
  if (normalizeAddress(values.owner) === null) throw new UsageError(`--owner expects an e-mail address, got "${values.owner}"`);
  const aliases = (values.aliases ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
  const badAlias = aliases.find((a) => normalizeAddress(a) === null);
  if (badAlias) throw new UsageError(`--aliases expects e-mail addresses, got "${badAlias}"`);

  const config = getConfig();
  const { created } = await runMigrations(config.DATABASE_URL);
  if (created) process.stderr.write(`${createdDatabaseLine(config.DATABASE_URL)}\n`);
  const database = createDatabase(config.DATABASE_URL, { max: 3 });
  const say = (line: string) => process.stderr.write(line + '\n');
  try {
    const started = performance.now();
    const account = await ensureLocalAccount(database.sql, values.owner, aliases);
    const lines: string[] = [];
    let report: Record<string, unknown> = {};
    if (kind === 'ics') {
      const read = await readIcs(source, account.addresses, new Date(), normalizeAddress);
      const progress = createProgress({ label: 'Importing events', total: read.events.length });
      const result = await importCalendar(database.sql, account, read.events, {
        storeSubjects: config.STORE_SUBJECTS,
        onProgress: (n) => progress.update(n),
      });
      progress.finish();
      lines.push(`Events read: ${fmt(result.events)}${Object.keys(read.skipped).length ? ` (left out: ${tallyText(read.skipped)})` : ''}`);
      lines.push(`Meeting interactions added: ${fmt(result.interactions)}`);
      report = { events: result.events, skipped: read.skipped, interactions: result.interactions };
    } else {
      say(`Counting messages in ${source} …`);
      const total = kind === 'maildir' ? await countMaildir(source) : await countMbox(source);
      const progress = createProgress({ label: 'Importing', total });
      const messages = kind === 'maildir' ? readMaildir(source) : readMbox(source);
      const summary = await importMail(database.sql, account, messages, {
        storeSubjects: config.STORE_SUBJECTS,
        onProgress: (n) => progress.update(n),
      });
      progress.finish();
      lines.push(...mailSummaryLines(summary));
      report = { ...summary };
    }
    const contacts = await recomputeContacts(database.sql, account.userId);
    const seconds = (performance.now() - started) / 1000;
    lines.push(
      `Contacts of ${values.owner}: ${fmt(contacts)}`,
      `Done in ${seconds.toFixed(1)} s. See them with: rekindle contacts --user ${values.owner}`,
    );
    process.stdout.write(
      values.json
        ? JSON.stringify({ ...report, contacts, seconds: Math.round(seconds * 10) / 10 }, null, 2) + '\n'
        : lines.join('\n') + '\n',
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') throw new UsageError(`no such ${kind === 'maildir' ? 'directory' : 'file'}: ${source}`);
    if (code === 'ENOTDIR' || code === 'EISDIR' || /is not a (directory|file)/.test((error as Error).message))
      throw new UsageError((error as Error).message);
    if (kind === 'ics' && error instanceof Error && error.name === 'ParserError')
      throw new UsageError(`${source} is not a readable iCalendar file: ${error.message}`);
    throw error;
  } finally {
    await database.close();
  }
}

export function mailSummaryLines(summary: MailImportSummary): string[] {
  const skippedTotal = Object.values(summary.skipped).reduce((a, b) => a + b, 0);
  const lines = [
    `Messages read: ${fmt(summary.read)}`,
    `  already imported: ${fmt(summary.alreadyImported)}`,
    `  counted: ${fmt(summary.counted)}`,
    `  skipped: ${fmt(skippedTotal)}${skippedTotal > 0 ? ` (${tallyText(groupReasons(summary.skipped))})` : ''}`,
    `Interactions added: ${fmt(summary.interactions)}`,
  ];
  if (summary.unresolved.interactions > 0)
    lines.push(
      `Unresolved (Exchange or display-name-only addresses the mail never showed an address for): ` +
        `${fmt(summary.unresolved.mailboxes)} people on ${fmt(summary.unresolved.messages)} messages, kept aside`,
    );
  if (summary.learnedAddresses.length > 0)
    lines.push(`Learned as your own addresses (From of your sent mail): ${summary.learnedAddresses.join(', ')}`);
  return lines;
}

/** `automated:sender:bulk:news` and `automated:list` both read as `automated`, with the detail kept one level deep. */
function groupReasons(skipped: Record<string, number>): Record<string, number> {
  const grouped: Record<string, number> = {};
  for (const [reason, count] of Object.entries(skipped)) {
    const key = reason.split(':').slice(0, 2).join(':');
    grouped[key] = (grouped[key] ?? 0) + count;
  }
  return grouped;
}

function tallyText(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `${reason} ${fmt(count)}`)
    .join(', ');
}

function fmt(value: number): string {
  return value.toLocaleString('en-US');
}
