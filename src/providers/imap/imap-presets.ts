import type { ImapServerSettings } from './imap-server-settings.ts';

/** A mailbox provider whose IMAP settings the web form fills in; docs/imap.md shows the same table (a unit test compares them). */
export interface ImapPreset {
  id: string;
  label: string;
  host: string;
  /** Other host names the same provider uses (by country or data centre), shown next to `host`. */
  hostNote?: string;
  port: number;
  security: ImapServerSettings['security'];
  /** Where the person makes the app password, in their provider's words. */
  appPassword: string;
  /** Proton Mail Bridge's certificate is its own (self-signed), so the form ticks the opt-in. */
  allowUntrustedCertificate?: boolean;
  /** The provider's CalDAV address, when it has one the app password also opens. */
  caldavUrl?: string;
}

export const IMAP_PRESETS: readonly ImapPreset[] = [
  {
    id: 'fastmail',
    label: 'Fastmail',
    host: 'imap.fastmail.com',
    port: 993,
    security: 'tls',
    appPassword: 'Settings → Privacy & Security → Connected apps & API tokens → App passwords (access: "Mail (IMAP/POP/SMTP)")',
    caldavUrl: 'https://caldav.fastmail.com/',
  },
  {
    id: 'icloud',
    label: 'iCloud Mail',
    host: 'imap.mail.me.com',
    port: 993,
    security: 'tls',
    appPassword:
      'account.apple.com → Sign-In and Security → App-Specific Passwords (needs two-factor authentication). User name: your iCloud address',
    caldavUrl: 'https://caldav.icloud.com/',
  },
  {
    id: 'yahoo',
    label: 'Yahoo Mail',
    host: 'imap.mail.yahoo.com',
    port: 993,
    security: 'tls',
    appPassword: 'Yahoo Account Security → Generate app password',
    caldavUrl: 'https://caldav.calendar.yahoo.com/',
  },
  {
    id: 'aol',
    label: 'AOL Mail',
    host: 'imap.aol.com',
    port: 993,
    security: 'tls',
    appPassword: 'AOL Account Security → Generate app password',
  },
  {
    id: 'gmx',
    label: 'GMX',
    host: 'imap.gmx.com',
    hostNote: '`imap.gmx.net` for gmx.de/.at/.ch',
    port: 993,
    security: 'tls',
    appPassword:
      'Enable "POP3/IMAP access" in the mail settings. With two-factor authentication on, create an application-specific password in the account\'s security settings',
  },
  {
    id: 'proton',
    label: 'Proton Mail',
    host: '127.0.0.1',
    hostNote: 'Proton Mail Bridge on the machine rekindle runs on',
    port: 1143,
    security: 'starttls',
    appPassword:
      "Bridge shows a mailbox password for each account; the Bridge's certificate is self-signed, so accept it (the certificate opt-in below)",
    allowUntrustedCertificate: true,
  },
  {
    id: 'zoho',
    label: 'Zoho Mail',
    host: 'imap.zoho.com',
    hostNote: '`imap.zoho.eu`, `.in`, … by data centre',
    port: 993,
    security: 'tls',
    appPassword: 'Enable IMAP access in Settings → Mail Accounts, then My Account → Security → App Passwords',
  },
];

export function imapPreset(id: string): ImapPreset | null {
  return IMAP_PRESETS.find((p) => p.id === id) ?? null;
}

const SECURITY_WORDS: Record<ImapServerSettings['security'], string> = { tls: 'TLS', starttls: 'STARTTLS', none: 'no TLS' };

/** The rows of docs/imap.md's table, as Markdown (the unit test checks the doc holds exactly these). */
export function imapPresetTableRows(): string[] {
  return IMAP_PRESETS.map(
    (p) =>
      `| ${p.label} | \`${p.host}\`${p.hostNote ? ` (${p.hostNote})` : ''} | ${p.port}, ${SECURITY_WORDS[p.security]} | ${p.appPassword} |`,
  );
}
