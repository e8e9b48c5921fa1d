import { startGraphEmulator, type GraphEmulator } from '../../src/emulators/microsoft/index.ts';
import { createMicrosoftAccount } from '../../src/providers/microsoft/create-microsoft-account.ts';
import type { Address } from '../../src/providers/types.ts';
import { createRequestGate } from '../../src/sync/request-gate.ts';
import { describeMailProviderContract, memoryTokenStore, type ContractMessage } from '../support/provider-contract.ts';

/** The same mailbox the Google harness seeds: Gmail labels, which the Graph emulator files into folders. */
const LABELS: Record<ContractMessage['folder'], string[]> = {
  sent: ['SENT'],
  inbox: ['INBOX', 'CATEGORY_PERSONAL'],
  // Archived in Gmail; in Outlook, the Archive folder.
  other: ['CATEGORY_PERSONAL'],
};

const formatAddress = (a: Address) => (a.name ? `"${a.name}" <${a.email}>` : a.email);

function graphSeed(message: ContractMessage) {
  const headers = [
    { name: 'Message-ID', value: `<${message.messageId}>` },
    { name: 'Date', value: message.date.toUTCString() },
    { name: 'From', value: formatAddress(message.from) },
    { name: 'To', value: message.to.map(formatAddress).join(', ') },
    ...(message.cc.length ? [{ name: 'Cc', value: message.cc.map(formatAddress).join(', ') }] : []),
    { name: 'Subject', value: /^[\x20-\x7e]*$/.test(message.subject) ? message.subject : `=?UTF-8?B?${Buffer.from(message.subject).toString('base64')}?=` },
  ];
  return { labelIds: LABELS[message.folder], internalDate: message.date.toISOString(), headers };
}

describeMailProviderContract('microsoft', async () => {
  const emulator: GraphEmulator = await startGraphEmulator({ requestsPer10Minutes: null });
  return {
    async mailbox(owner, messages) {
      emulator.addMailbox({ email: owner.email, messages: messages.map(graphSeed) });
      const account = createMicrosoftAccount({
        clientId: emulator.clientId,
        clientSecret: emulator.clientSecret,
        graphUrl: emulator.graphUrl,
        loginUrl: emulator.loginUrl,
        tokens: memoryTokenStore({ refreshToken: emulator.issueRefreshToken(owner.email), accessToken: null, accessTokenExpiresAt: null }),
        mailGate: createRequestGate({ concurrency: 3 }),
        calendarGate: createRequestGate({ concurrency: 1 }),
        // Small pages, so rounds span several of them.
        pageSize: 2,
      });
      return {
        mail: account.mail,
        async deliver(message) {
          emulator.addMessage(owner.email, graphSeed(message));
        },
        async remove(providerId) {
          emulator.deleteMessage(owner.email, providerId);
        },
        async archive(providerId) {
          emulator.moveMessage(owner.email, providerId, 'archive');
        },
        async expireCursors() {
          emulator.expireDeltaTokens(owner.email);
        },
        async revokeGrant() {
          emulator.revokeGrants(owner.email);
        },
      };
    },
    close: () => emulator.close(),
  };
});
