/**
 * Rebuilt Enron mailboxes: an employee's inbox, plus the mail they sent as found in the other
 * employees' inboxes (the CMU corpus here has no sent folders). Each copy of a sent message
 * has its own Message-ID, so copies are merged by date, subject and recipients, the way one
 * Sent item would be seen once. Also the ground truth the eval checks inference against,
 * computed from the raw headers alone, independently of rekindle's inference rules.
 */
import { opendir } from 'node:fs/promises';
import path from 'node:path';
import { normalizeAddress } from '../src/contacts/normalize-address.ts';
import { parseHeaderBlock } from '../src/mail/header-block.ts';
import { messageMetaFromHeaders } from '../src/mail/message-meta.ts';
import type { MessageMeta } from '../src/mail/types.ts';
import { rawMessageId, type RawMessage } from '../src/import/raw-message.ts';
import { readHeaderBlock } from '../src/import/read-header-block.ts';
import { readMaildir } from '../src/import/read-maildir.ts';

/**
 * Employees whose mailboxes are rebuilt, with the addresses that are theirs: read off the
 * To headers of their own inboxes (the corpus names nobody's aliases). Employees whose mail
 * nobody else kept (no rebuilt sent mail) are left out: they have no two-way contacts.
 */
export const ENRON_OWNERS: Record<string, string[]> = {
  'baughman-d': ['don.baughman@enron.com', 'd..baughman@enron.com'],
  'benson-r': ['robert.benson@enron.com', 'rbenson@enron.com'],
  'campbell-l': ['larry.campbell@enron.com', 'lcampbel@enron.com', 'f..campbell@enron.com', 'lcampbe@enron.com'],
  'cash-m': ['michelle.cash@enron.com'],
  'corman-s': ['shelley.corman@enron.com', 'scorman@enron.com', 'shelley_corman@enron.com'],
  'davis-d': ['dana.davis@enron.com'],
  'donoho-l': ['lindy.donoho@enron.com', 'ldonoho@enron.com'],
  'dorland-c': ['chris.dorland@enron.com'],
  'forney-j': ['john.forney@enron.com', 'm..forney@enron.com', 'jforney@enron.com'],
  'germany-c': ['chris.germany@enron.com'],
  'heard-m': ['marie.heard@enron.com'],
  'hernandez-j': ['juan.hernandez@enron.com'],
  'holst-k': ['keith.holst@enron.com', 'kholst@enron.com'],
  'kaminski-v': [
    'vince.kaminski@enron.com',
    'j.kaminski@enron.com',
    'vkamins@enron.com',
    'kamins@enron.com',
    'j..kaminski@enron.com',
    'vince.j.kaminski@enron.com',
  ],
  'keavey-p': ['peter.keavey@enron.com', 'f..keavey@enron.com', 'pkeavey@enron.com', 'peter.f.keavey@enron.com'],
  'lay-k': ['kenneth.lay@enron.com', 'klay@enron.com', 'kenneth_lay@enron.com'],
  'lokey-t': ['teb.lokey@enron.com', 'tlokey@enron.com'],
  'mann-k': ['kay.mann@enron.com'],
  'mcconnell-m': ['mark.mcconnell@enron.com'],
  'motley-m': ['matt.motley@enron.com'],
  'nemec-g': ['gerald.nemec@enron.com', 'gnemec@enron.com'],
  'parks-j': ['joe.parks@enron.com', 'jparks@enron.com'],
  'pimenov-v': ['vladi.pimenov@enron.com', 'vpimenov@enron.com'],
  'reitmeyer-j': ['jay.reitmeyer@enron.com'],
  'rogers-b': ['benjamin.rogers@enron.com'],
  'sager-e': ['elizabeth.sager@enron.com'],
  'schoolcraft-d': ['darrell.schoolcraft@enron.com'],
  'shackleton-s': ['sara.shackleton@enron.com'],
  'smith-m': ['matt.smith@enron.com'],
  'staab-t': ['theresa.staab@enron.com', 'tstaab@enron.com'],
  'stepenovitch-j': ['joe.stepenovitch@enron.com'],
  'sturm-f': ['fletcher.sturm@enron.com', 'j..sturm@enron.com', 'fsturm@enron.com'],
  'tycholiz-b': ['barry.tycholiz@enron.com'],
  'watson-k': ['kimberly.watson@enron.com', 'kwatson@enron.com', 'kim.watson@enron.com'],
  'whalley-g': ['greg.whalley@enron.com', 'whalley@enron.com', 'gwhalle@enron.com'],
  'whitt-m': ['mark.whitt@enron.com', 'mwhitt@enron.com'],
  'zufferli-j': ['john.zufferli@enron.com'],
};

export interface CorpusFile {
  user: string;
  file: string;
  /** Normalized From address. */
  from: string | null;
}

/** Every inbox file of the corpus with its sender: the index sent mail is rebuilt from. */
export async function indexSenders(maildir: string): Promise<CorpusFile[]> {
  const files: CorpusFile[] = [];
  for await (const user of await opendir(maildir)) {
    if (!user.isDirectory()) continue;
    for await (const file of walkFiles(path.join(maildir, user.name, 'inbox'))) {
      const headers = await readHeaderBlock(file);
      const from = headers === null ? null : (/^From:[ \t]*(.*)$/im.exec(headers)?.[1] ?? null);
      const address = from === null ? null : (/<([^<>]+)>/.exec(from)?.[1] ?? from.trim());
      files.push({ user: user.name, file, from: address ? normalizeAddress(address) : null });
    }
  }
  return files.sort((a, b) => (a.file < b.file ? -1 : 1));
}

async function* walkFiles(dir: string): AsyncGenerator<string> {
  const entries = [];
  for await (const entry of await opendir(dir)) entries.push(entry);
  entries.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walkFiles(full);
    else if (entry.isFile() && !entry.name.startsWith('.')) yield full;
  }
}

/** The owner's sent mail, one copy per message, found in the other employees' inboxes. */
export async function* rebuiltSentMail(index: CorpusFile[], user: string, owner: ReadonlySet<string>): AsyncGenerator<RawMessage> {
  const seen = new Set<string>();
  for (const entry of index) {
    if (entry.user === user || entry.from === null || !owner.has(entry.from)) continue;
    const headers = await readHeaderBlock(entry.file);
    if (headers === null) continue;
    const meta = metaOf(headers, 'sent');
    if (!meta) continue;
    const fingerprint = `${meta.date.toISOString()}|${meta.subject}|${[...meta.to, ...meta.cc]
      .map((a) => normalizeAddress(a.email))
      .sort()
      .join(',')}`;
    if (seen.has(fingerprint)) continue;
    seen.add(fingerprint);
    yield { providerId: rawMessageId(headers), headers, folder: 'sent', origin: entry.file };
  }
}

/** The rebuilt mailbox as one stream, as `rekindle import maildir` would read it: sent mail first. */
export async function* rebuiltMailbox(
  maildir: string,
  index: CorpusFile[],
  user: string,
  owner: ReadonlySet<string>,
): AsyncGenerator<RawMessage> {
  yield* rebuiltSentMail(index, user, owner);
  yield* readMaildir(path.join(maildir, user));
}

export function metaOf(headers: string, folder: 'sent' | 'inbox' | 'other'): MessageMeta | null {
  const result = messageMetaFromHeaders(parseHeaderBlock(headers), { providerId: 'x', threadId: null, folder });
  return 'message' in result ? result.message : null;
}

/**
 * Responders and bounces, by their literal markers only (standard headers, the subjects
 * Outlook, Exchange and Notes give them, daemon senders): "they wrote to the owner" does
 * not include their out-of-office robot. Deliberately narrow and independent of rekindle's
 * own detection.
 */
export function isResponderOrBounce(headers: string, meta: MessageMeta): boolean {
  if (/^Auto-Submitted:[ \t]*auto-(replied|generated)/im.test(headers)) return true;
  if (/^Return-Path:[ \t]*<\s*>/im.test(headers)) return true;
  if (/^(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|autoreply)\b/i.test(meta.subject ?? '')) return true;
  if (/^(undeliverable|delivery status notification|returned mail|mail delivery failed)/i.test(meta.subject ?? '')) return true;
  return /^(mailer-daemon|postmaster)@/i.test(meta.from?.email ?? '');
}

/** Literal markers of bulk and automated senders, independent of rekindle's detection. */
export function isAutomatedByMarkers(headers: string, meta: MessageMeta): boolean {
  if (/^(List-Id|List-Unsubscribe|List-Post):/im.test(headers)) return true;
  if (/^Precedence:[ \t]*(bulk|list|junk)/im.test(headers)) return true;
  if (isResponderOrBounce(headers, meta)) return true;
  const local = (meta.from?.email ?? '').toLowerCase().split('@')[0] ?? '';
  return /(^|[._-])(no-?reply|do-?not-?reply|notifications?|newsletters?|announce(ments)?|alerts?|mailer|bounces?|listserv|majordomo)([._-]|$)/.test(
    local,
  );
}
