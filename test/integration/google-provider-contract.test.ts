import { startGoogleEmulator, type GoogleEmulator } from '../../src/emulators/google/index.ts';
import { createGoogleAccount } from '../../src/providers/google/create-google-account.ts';
import type { Address } from '../../src/providers/types.ts';
import { createRequestGate } from '../../src/sync/request-gate.ts';
import { describeMailProviderContract, memoryTokenStore, type ContractMessage } from '../support/provider-contract.ts';

const LABELS: Record<ContractMessage['folder'], string[]> = {
  sent: ['SENT'],
  inbox: ['INBOX', 'CATEGORY_PERSONAL'],
  other: ['CATEGORY_PERSONAL'],
};

const formatAddress = (a: Address) => (a.name ? `"${a.name}" <${a.email}>` : a.email);

/** A contract message as a Gmail message resource seed. */
function gmailSeed(message: ContractMessage) {
  const headers = [
    { name: 'Message-ID', value: `<${message.messageId}>` },
    { name: 'Date', value: message.date.toUTCString() },
    { name: 'From', value: formatAddress(message.from) },
    { name: 'To', value: message.to.map(formatAddress).join(', ') },
    ...(message.cc.length ? [{ name: 'Cc', value: message.cc.map(formatAddress).join(', ') }] : []),
    // Non-ASCII subjects arrive RFC 2047 encoded, as they do from real mail.
    { name: 'Subject', value: /^[\x20-\x7e]*$/.test(message.subject) ? message.subject : `=?UTF-8?B?${Buffer.from(message.subject).toString('base64')}?=` },
  ];
  return { labelIds: LABELS[message.folder], internalDate: message.date.toISOString(), headers };
}

describeMailProviderContract('google', async () => {
  const emulator: GoogleEmulator = await startGoogleEmulator({ quotaUnitsPerMinute: null });
  return {
    async mailbox(owner, messages) {
      emulator.addMailbox({ email: owner.email, messages: messages.map(gmailSeed) });
      const account = createGoogleAccount({
        clientId: emulator.clientId,
        clientSecret: emulator.clientSecret,
        apiUrl: emulator.url,
        tokenUrl: emulator.tokenUrl,
        tokens: memoryTokenStore({ refreshToken: emulator.issueRefreshToken(owner.email), accessToken: null, accessTokenExpiresAt: null }),
        mailGate: createRequestGate({ concurrency: 8 }),
        calendarGate: createRequestGate({ concurrency: 2 }),
      });
      return {
        mail: account.mail,
        async deliver(message) {
          emulator.addMessage(owner.email, gmailSeed(message));
        },
        async remove(providerId) {
          emulator.deleteMessage(owner.email, providerId);
        },
        async archive(providerId) {
          emulator.modifyLabels(owner.email, providerId, { remove: ['INBOX'] });
        },
        async expireCursors() {
          emulator.expireHistory(owner.email);
        },
        async revokeGrant() {
          emulator.revokeGrants(owner.email);
        },
      };
    },
    close: () => emulator.close(),
  };
});
