import { createImapAccount } from '../../src/providers/imap/create-imap-account.ts';
import { startDovecot } from '../../testkit/dovecot.ts';
import { createImapUser, imapMessageOfSeed, STANDARD_FOLDERS } from '../../testkit/imap-mailbox.ts';
import { contractSeed, describeMailProviderContract, type ContractMessage } from '../../testkit/provider-contract.ts';

const FOLDER: Record<ContractMessage['folder'], string> = { sent: 'Sent', inbox: 'INBOX', other: 'Archive' };

describeMailProviderContract('imap (Dovecot)', async () => {
  const dovecot = await startDovecot();
  const accounts: { close(): Promise<void> }[] = [];
  const toImap = (message: ContractMessage) => ({ ...imapMessageOfSeed(contractSeed(message)), folder: FOLDER[message.folder] });
  return {
    expiredCursor: 'resync-in-place',
    async mailbox(owner, messages) {
      const user = await createImapUser(dovecot, owner.email);
      await user.append(messages.map(toImap));
      // Mail that must never be read as conversation: a draft, spam, a deleted message.
      const noise = (folder: string, id: string) => ({
        folder,
        internalDate: new Date(Date.UTC(2024, 1, 1)),
        headers: [
          { name: 'Message-ID', value: `<${id}.${owner.email}>` },
          { name: 'From', value: 'someone@noise.example' },
          { name: 'To', value: owner.email },
          { name: 'Subject', value: id },
          { name: 'Date', value: 'Thu, 1 Feb 2024 00:00:00 +0000' },
        ],
      });
      await user.append([noise('Drafts', 'draft'), noise('Junk', 'spam'), noise('Trash', 'trash')]);
      // Small pages, so rounds span several of them.
      // What rekindle stored when the mailbox was connected: a later change of password is not in it.
      const stored = await user.credentials();
      const account = createImapAccount({ email: owner.email, credentials: async () => stored, pageSize: 2 });
      accounts.push(account);
      return {
        mail: account.mail,
        async deliver(message) {
          await user.append([toImap(message)]);
        },
        async remove(providerId) {
          await user.removeByMessageId(providerId.replace(/^m:/, ''));
        },
        async archive(providerId) {
          await user.move(providerId.replace(/^m:/, ''), 'INBOX', 'Archive');
        },
        async expireCursors() {
          await user.renewUidValidity(['INBOX', ...STANDARD_FOLDERS]);
        },
        async revokeGrant() {
          await user.changePassword(`revoked-${Date.now()}`);
        },
      };
    },
    async close() {
      await Promise.all(accounts.map((a) => a.close()));
      await dovecot.destroy();
    },
  };
});
