import type { ImapFlow, ListResponse } from 'imapflow';
import type { Folder } from '../../mail/types.ts';

/**
 * The folders rekindle follows, in walk order: every Sent folder first, then the Inbox, then
 * every other folder mail is kept in (Archive, All Mail, the person's own folders).
 *
 * Never followed: Drafts, Junk and Trash (their mail is nobody's conversation, like Gmail's
 * drafts, spam and trash), Gmail's virtual Flagged/Important views (copies of mail followed
 * elsewhere), an Outbox, and folders that cannot be selected.
 *
 * A folder's role comes from its SPECIAL-USE flag (RFC 6154) where the server sets one, and
 * from its name where it does not (imapflow knows the usual names in many languages: "Sent
 * Messages", "Sent Items", "Gesendet", "Bulk Mail", "Deleted Messages", …).
 */
export interface FollowedFolder {
  path: string;
  role: Folder;
  uidValidity: string | null;
  uidNext: number | null;
}

const SKIPPED_USES = new Set(['\\Drafts', '\\Junk', '\\Trash', '\\Flagged', '\\Important']);
const UNSELECTABLE = ['\\Noselect', '\\NonExistent'];

export function followedFolders(listing: ListResponse[]): FollowedFolder[] {
  const sent: FollowedFolder[] = [];
  const inbox: FollowedFolder[] = [];
  const other: FollowedFolder[] = [];
  for (const entry of listing) {
    if (UNSELECTABLE.some((flag) => entry.flags.has(flag))) continue;
    const use = entry.specialUse ?? null;
    if (use && SKIPPED_USES.has(use)) continue;
    if (/^outbox$/i.test(entry.name)) continue;
    const folder = (role: Folder): FollowedFolder => ({
      path: entry.path,
      role,
      uidValidity: entry.status?.uidValidity !== undefined ? String(entry.status.uidValidity) : null,
      uidNext: entry.status?.uidNext ?? null,
    });
    if (use === '\\Sent') sent.push(folder('sent'));
    else if (entry.path.toUpperCase() === 'INBOX') inbox.push(folder('inbox'));
    else other.push(folder('other'));
  }
  return [...sent, ...inbox, ...other];
}

/** LIST with each folder's UIDVALIDITY and UIDNEXT (one command where the server has LIST-STATUS). */
export async function listFollowedFolders(client: ImapFlow): Promise<FollowedFolder[]> {
  return followedFolders(await client.list({ statusQuery: { uidNext: true, uidValidity: true } }));
}
