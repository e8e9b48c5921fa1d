/**
 * Which folders of a local mailbox hold the owner's sent mail. CMU's Enron maildirs use
 * `sent`, `sent_items` and `_sent_mail`; Maildir++ uses `.Sent`; mail programs use their own
 * language. Matched on the folder's name alone, case and separators ignored.
 */
const SENT_NAMES = new Set([
  'sent',
  'sentitems',
  'sentmail',
  'sentmessages',
  'outbox',
  'sentbox',
  'gesendet',
  'gesendeteobjekte',
  'gesendeteelemente',
  'envoyes',
  'elementsenvoyes',
  'messagesenvoyes',
  'enviados',
  'elementosenviados',
  'inviati',
  'postainviata',
  'verzonden',
  'verzondenitems',
  'skickat',
  'skickade',
  'sendt',
  'lahetetyt',
  'wyslane',
  'odeslane',
  'enviadas',
  'itensenviados',
]);

/**
 * Folders whose mail is not correspondence: unsent drafts, spam, chat logs. Deleted mail is
 * read like any other: deleting a message does not undo the conversation.
 */
const SKIPPED_NAMES = new Map([
  ['drafts', 'draft'],
  ['draft', 'draft'],
  ['spam', 'spam'],
  ['junkemail', 'spam'],
  ['bulkmail', 'spam'],
  ['chats', 'chat'],
  ['chat', 'chat'],
]);

function simplify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/^inbox[./]/, '')
    .replace(/[^a-z]/g, '');
}

/** `sent`, `Sent Items`, `_sent_mail`, `.Sent`, `INBOX.Sent` → true. */
export function isSentFolderName(name: string): boolean {
  return SENT_NAMES.has(simplify(name));
}

/** Why a folder's mail is left out (`draft`, `spam`, `chat`), or null. */
export function skippedFolderReason(name: string): string | null {
  return SKIPPED_NAMES.get(simplify(name)) ?? null;
}
