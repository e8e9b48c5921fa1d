/**
 * `rekindle demo --provider imap`: no emulator, real servers. A throwaway Dovecot serves the
 * sample mailbox's mail over IMAP and, where Debian's `radicale` is installed, a throwaway
 * Radicale serves its meetings over CalDAV; both on loopback, in a temp dir, gone when the demo
 * ends (testkit/dovecot.ts, testkit/radicale.ts start them as the tests do).
 *
 * The test kit is loaded only here, only for this provider: the docker image ships fakes/ for
 * the Google and Microsoft demos, not the test kit.
 */
import { existsSync } from 'node:fs';
import type { CalendarSourcesInput } from '../../src/accounts/calendar-sources.ts';
import type { ImapServerSettings } from '../../src/db/schema.ts';
import type { SampleMailbox } from './sample-mailbox.ts';

const DOVECOT = '/usr/sbin/dovecot';
const RADICALE = '/usr/bin/radicale';

export interface ImapDemoServers {
  name: string;
  /** The mailbox's app password. */
  password: string;
  imapServer: ImapServerSettings;
  calendarSources: CalendarSourcesInput | null;
  eventsServed: number;
  /** Things the person should know (a server that is not installed). */
  notes: string[];
  close(): Promise<void>;
}

/** Why the IMAP demo cannot run on this machine, or null when it can. */
export function imapDemoUnavailable(dovecot = DOVECOT): string | null {
  if (existsSync(dovecot)) return null;
  return `the IMAP demo runs a throwaway Dovecot, and ${dovecot} is not installed. Install it with \`apt-get install dovecot-imapd\` (and \`radicale\` for the calendar over CalDAV), or run \`rekindle demo\` for the Gmail emulator.`;
}

export async function startImapDemoServers(sample: SampleMailbox): Promise<ImapDemoServers> {
  const unavailable = imapDemoUnavailable();
  if (unavailable) throw new Error(unavailable);
  const { startDovecot } = await import('../../testkit/dovecot.ts');
  const { createImapUser, imapMessageOfSeed } = await import('../../testkit/imap-mailbox.ts');
  const dovecot = await startDovecot().catch((error: unknown) => {
    throw new Error(
      `could not start a throwaway Dovecot (${error instanceof Error ? error.message : String(error)}). It runs its mail processes as Dovecot's own users, which needs root.`,
      { cause: error },
    );
  });
  const closers: (() => Promise<void>)[] = [() => dovecot.destroy()];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne();
  };
  try {
    const email = sample.owner.email;
    const mailbox = await createImapUser(dovecot, email);
    await mailbox.append(sample.seed.messages.map(imapMessageOfSeed));
    const notes: string[] = [];
    let calendarSources: CalendarSourcesInput | null = null;
    let eventsServed = 0;
    if (existsSync(RADICALE)) {
      const { startRadicale } = await import('../../testkit/radicale.ts');
      const { createCaldavUser } = await import('../../testkit/caldav-calendar.ts');
      const radicale = await startRadicale();
      closers.push(() => radicale.destroy());
      // As at Fastmail or iCloud, the mailbox's app password signs in to the calendar too.
      const calendar = await createCaldavUser(radicale, email, mailbox.password);
      for (const [i, event] of (sample.seed.events ?? []).entries()) await calendar.putEvent(`sample-${i}`, event);
      calendarSources = { caldav: { url: calendar.settings.url } };
      eventsServed = sample.seed.events?.length ?? 0;
    } else {
      notes.push(
        `${RADICALE} is not installed (apt-get install radicale): the sample's meetings are left out, so the demo reads mail only.`,
      );
    }
    return {
      name: calendarSources ? `Dovecot (IMAP) and Radicale (CalDAV) on 127.0.0.1` : `Dovecot (IMAP) on 127.0.0.1`,
      password: mailbox.password,
      imapServer: mailbox.server,
      calendarSources,
      eventsServed,
      notes,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
