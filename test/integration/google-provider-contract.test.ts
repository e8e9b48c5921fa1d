import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { createGoogleAccount } from '../../src/providers/google/create-google-account.ts';
import { createRequestGate } from '../../src/sync/request-gate.ts';
import { contractSeed, describeMailProviderContract, memoryTokenStore } from '../../testkit/provider-contract.ts';

describeMailProviderContract('google', async () => {
  const emulator: GoogleEmulator = await startGoogleEmulator({ quotaUnitsPerMinute: null });
  return {
    async mailbox(owner, messages) {
      emulator.addMailbox({ email: owner.email, messages: messages.map(contractSeed) });
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
          emulator.addMessage(owner.email, contractSeed(message));
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
