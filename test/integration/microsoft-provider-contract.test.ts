import { startGraphEmulator, type GraphEmulator } from '../../fakes/microsoft/index.ts';
import { createMicrosoftAccount } from '../../src/providers/microsoft/create-microsoft-account.ts';
import { createRequestGate } from '../../src/sync/request-gate.ts';
import { contractSeed, describeMailProviderContract, memoryTokenStore } from '../../testkit/provider-contract.ts';

describeMailProviderContract('microsoft', async () => {
  const emulator: GraphEmulator = await startGraphEmulator({ requestsPer10Minutes: null });
  return {
    async mailbox(owner, messages) {
      emulator.addMailbox({ email: owner.email, messages: messages.map(contractSeed) });
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
          emulator.addMessage(owner.email, contractSeed(message));
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
