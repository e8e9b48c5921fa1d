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
import { countMaildir, listMaildir } from '../import/read-maildir.ts';
import { countMbox, listMbox, NotMboxError } from '../import/read-mbox.ts';
import { countPst, listPst, NotPstError } from '../import/read-pst.ts';
import { countThunderbird, listThunderbird, NotThunderbirdProfileError } from '../import/read-thunderbird.ts';
import { createScanPool } from '../import/scan-pool.ts';
import type { ScanJob } from '../import/scan-job.ts';
import { UsageError } from './usage-error.ts';

const KINDS = ['maildir', 'eml', 'mbox', 'thunderbird', 'pst', 'ics'] as const;
type Kind = (typeof KINDS)[number];
const DIRECTORY_KINDS: readonly Kind[] = ['maildir', 'eml', 'thunderbird'];

/** Exit status of an import stopped by Ctrl-C: the shell's own for SIGINT. */
const INTERRUPTED = 130;

/**
 * `rekindle import maildir|eml|mbox|thunderbird|pst|ics <path> --owner <email> [--aliases a,b]`:
 * local mail and calendars through the same ingestion as a live mailbox, into the owner's
 * `local` account, then the owner's contacts recomputed. Safe to run again on the same
 * files, and to stop at any moment (Ctrl-C, a kill, a crash): the next run carries on and
 * counts nothing twice.
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
  const what = (DIRECTORY_KINDS as readonly string[]).includes(kind) ? 'directory' : 'file';
  if (!source) throw new UsageError(`the ${what} to import is missing`);
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
      const mailKind = kind as Exclude<Kind, 'ics'>;
      const total = await countMessages(mailKind, source);
      const progress = createProgress({ label: 'Importing', total });
      const ignored = { count: 0 };
      const leftOut: Record<string, number> = {};
      const pool = createScanPool();
      // Ctrl-C: the batch being written commits, then the import stops and says how to go
      // on. A second Ctrl-C exits at once; the database is consistent either way.
      let stop = false;
      const onSignal = () => {
        if (stop) process.exit(INTERRUPTED);
        stop = true;
        say('\nStopping after the batch being written (Ctrl-C again to quit now) …');
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let summary: MailImportSummary;
      try {
        summary = await importMail(database.sql, account, pool.scan(jobsOf(mailKind, source, ignored, leftOut)), {
          storeSubjects: config.STORE_SUBJECTS,
          onProgress: (n) => progress.update(n),
          stopRequested: () => stop,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await pool.close();
      }
      progress.finish();
      lines.push(...mailSummaryLines(summary));
      if (ignored.count > 0) lines.push(`Files left out (not ${kind === 'eml' ? '.eml files' : 'mail'}): ${fmt(ignored.count)}`);
      if (Object.keys(leftOut).length > 0) lines.push(`Items left out (not mail): ${tallyText(leftOut)}`);
      report = {
        ...summary,
        ...(ignored.count > 0 ? { filesLeftOut: ignored.count } : {}),
        ...(Object.keys(leftOut).length ? { itemsLeftOut: leftOut } : {}),
      };
      if (summary.interrupted) {
        process.stdout.write(
          values.json
            ? JSON.stringify(report, null, 2) + '\n'
            : [...lines, `Interrupted: everything read up to here is saved. Run the same command again to carry on.`].join('\n') + '\n',
        );
        process.exitCode = INTERRUPTED;
        return;
      }
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
    if (code === 'ENOENT') throw new UsageError(`no such ${what}: ${source}`);
    if (error instanceof NotMboxError || error instanceof NotPstError || error instanceof NotThunderbirdProfileError)
      throw new UsageError(error.message);
    if (code === 'ENOTDIR' || code === 'EISDIR' || /is not a (directory|file)/.test((error as Error).message))
      throw new UsageError((error as Error).message);
    if (kind === 'ics' && error instanceof Error && error.name === 'ParserError')
      throw new UsageError(`${source} is not a readable iCalendar file: ${error.message}`);
    throw error;
  } finally {
    await database.close();
  }
}

function countMessages(kind: Exclude<Kind, 'ics'>, source: string): Promise<number> {
  switch (kind) {
    case 'maildir':
    case 'eml':
      return countMaildir(source, kind);
    case 'mbox':
      return countMbox(source);
    case 'thunderbird':
      return countThunderbird(source);
    case 'pst':
      return countPst(source);
  }
}

function jobsOf(
  kind: Exclude<Kind, 'ics'>,
  source: string,
  ignored: { count: number },
  leftOut: Record<string, number>,
): AsyncIterable<ScanJob> {
  switch (kind) {
    case 'maildir':
    case 'eml':
      return listMaildir(source, kind, ignored);
    case 'mbox':
      return listMbox(source);
    case 'thunderbird':
      return listThunderbird(source, ignored);
    case 'pst':
      return listPst(source, leftOut);
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
