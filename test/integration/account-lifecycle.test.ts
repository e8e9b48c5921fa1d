/**
 * An account's life after connecting: its tokens encrypted at rest and re-encrypted on key
 * rotation (old ciphertexts still decrypting meanwhile); a revoked grant answered by exactly
 * one reconnect email; disconnecting, which leaves no row of the account while a message it
 * shared with another mailbox keeps counting once; and the scheduler leaving paused users be.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountTokenStore } from '../../src/accounts/account-token-store.ts';
import { connectAccount } from '../../src/accounts/connect-account.ts';
import { disconnectAccount } from '../../src/accounts/disconnect-account.ts';
import { notifyReauth } from '../../src/accounts/notify-reauth.ts';
import { reencryptTokens } from '../../src/accounts/reencrypt-tokens.ts';
import { recomputeContacts } from '../../src/contact-store/recompute-contacts.ts';
import { createOwner } from '../../src/contacts/owner.ts';
import { queueDueDigests } from '../../src/digest/schedule-digests.ts';
import { createMailer } from '../../src/mailer/create-mailer.ts';
import { startMailCatcher, type MailCatcher } from '../../fakes/mail-catcher.ts';
import { createTokenCipher, parseTokenKeys, TokenDecryptError } from '../../src/security/token-cipher.ts';
import { ingestCalendar } from '../../src/sync/ingest-calendar.ts';
import { ingestMail } from '../../src/sync/ingest-mail.ts';
import { seedDigestUser } from '../../testkit/digest-fixtures.ts';
import { addr, attendee, event, message } from '../../testkit/inference-fixtures.ts';
import { testLogger } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const K1 = key('k1');
const K2 = key('k2');
const cipher = (...keys: string[]) => createTokenCipher(parseTokenKeys(keys.join(',')));

describe('account lifecycle', () => {
  let database: TestDatabase;
  let catcher: MailCatcher;

  beforeAll(async () => {
    database = await createTestDatabase();
    catcher = await startMailCatcher();
  });
  afterAll(async () => {
    await catcher?.close();
    await database?.drop();
  });

  describe('tokens at rest', () => {
    const refresh = `1//refresh-${randomBytes(12).toString('hex')}`;
    const access = `ya29.access-${randomBytes(12).toString('hex')}`;
    let accountId = '';
    const columns = async (id = accountId) =>
      (
        await database.sql<
          { refresh: string; access: string | null }[]
        >`select refresh_token as refresh, access_token as access from accounts where id = ${id}`
      )[0]!;

    it('the token columns hold AES-GCM ciphertexts under the current key, never the token', async () => {
      ({ accountId } = await connectAccount(
        database.sql,
        { userEmail: 'kim@example.com', provider: 'google', accountEmail: 'kim@example.com', refreshToken: refresh },
        cipher(K1),
      ));
      await accountTokenStore(database.sql, accountId, cipher(K1)).save({
        refreshToken: refresh,
        accessToken: access,
        accessTokenExpiresAt: new Date(Date.now() + 3_600_000),
      });
      const stored = await columns();
      for (const value of [stored.refresh, stored.access!]) {
        expect(value).toMatch(/^rk1\.k1\./);
        expect(value).not.toContain(refresh);
        expect(value).not.toContain(access);
        expect(value).not.toContain('1//');
        expect(value).not.toContain('ya29');
      }
      // A fresh IV every time: saving the same token twice writes two different ciphertexts.
      await accountTokenStore(database.sql, accountId, cipher(K1)).save({
        refreshToken: refresh,
        accessToken: access,
        accessTokenExpiresAt: null,
      });
      expect((await columns()).refresh).not.toBe(stored.refresh);
      const scan =
        await database.sql`select 1 from accounts where refresh_token like ${`%${refresh}%`} or access_token like ${`%${access}%`}`;
      expect(scan).toHaveLength(0);
    });

    it('a ciphertext copied into another account or column does not decrypt', async () => {
      const { accountId: other } = await connectAccount(
        database.sql,
        { userEmail: 'kim@example.com', provider: 'microsoft', accountEmail: 'kim@outlook.example', refreshToken: 'other' },
        cipher(K1),
      );
      const stolen = (await columns()).refresh;
      await database.sql`update accounts set refresh_token = ${stolen} where id = ${other}`;
      await expect(accountTokenStore(database.sql, other, cipher(K1)).load()).rejects.toBeInstanceOf(TokenDecryptError);
      await database.sql`update accounts set access_token = ${stolen} where id = ${accountId}`;
      await expect(accountTokenStore(database.sql, accountId, cipher(K1)).load()).rejects.toBeInstanceOf(TokenDecryptError);
      await accountTokenStore(database.sql, accountId, cipher(K1)).save({
        refreshToken: refresh,
        accessToken: access,
        accessTokenExpiresAt: null,
      });
      await database.sql`delete from accounts where id = ${other}`;
    });

    it('rotation: with the new key in front old ciphertexts still decrypt; reencrypt moves every token to it; then the old key can go', async () => {
      // Step 2 of docs/operations.md, "Rotating the token key": the new key in front. Nothing re-encrypted yet, everything still reads.
      expect(await accountTokenStore(database.sql, accountId, cipher(K2, K1)).load()).toMatchObject({
        refreshToken: refresh,
        accessToken: access,
      });
      // A refresh saved now is written under the new key.
      const { accountId: second } = await connectAccount(
        database.sql,
        { userEmail: 'lee@example.com', provider: 'google', accountEmail: 'lee@example.com', refreshToken: '1//lee' },
        cipher(K1),
      );
      await connectAccount(
        database.sql,
        { userEmail: 'max@example.com', provider: 'google', accountEmail: 'max@example.com', refreshToken: '1//max' },
        cipher(K2, K1),
      );

      const result = await reencryptTokens(database.sql, cipher(K2, K1), { batchSize: 2 });
      expect(result).toEqual({ reencrypted: 2, current: 1, failed: [] });
      const keys = await database.sql<
        { refresh: string; access: string | null }[]
      >`select refresh_token as refresh, access_token as access from accounts where refresh_token is not null`;
      for (const row of keys) {
        expect(row.refresh).toMatch(/^rk1\.k2\./);
        if (row.access) expect(row.access).toMatch(/^rk1\.k2\./);
      }
      expect(await reencryptTokens(database.sql, cipher(K2, K1))).toEqual({ reencrypted: 0, current: 3, failed: [] });
      // The old key removed: every token still reads; a process that only knows the old key cannot.
      expect(await accountTokenStore(database.sql, accountId, cipher(K2)).load()).toMatchObject({
        refreshToken: refresh,
        accessToken: access,
      });
      expect((await accountTokenStore(database.sql, second, cipher(K2)).load()).refreshToken).toBe('1//lee');
      await expect(accountTokenStore(database.sql, accountId, cipher(K1)).load()).rejects.toThrow(/key "k2"/);
    });

    it('a token under a key nobody holds any more is reported, not destroyed', async () => {
      const K3 = key('k3');
      const { accountId: lost } = await connectAccount(
        database.sql,
        { userEmail: 'ola@example.com', provider: 'google', accountEmail: 'ola@example.com', refreshToken: '1//ola' },
        cipher(K3),
      );
      const before = (await columns(lost)).refresh;
      const result = await reencryptTokens(database.sql, cipher(K2));
      expect(result.failed).toEqual([{ accountId: lost, reason: expect.stringContaining('k3') }]);
      expect((await columns(lost)).refresh).toBe(before);
      await database.sql`delete from users where email = 'ola@example.com'`;
    });
  });

  describe('a revoked grant', () => {
    it('stops the account and sends its owner one email with a reconnect link, once per revocation', async () => {
      const { accountId } = await connectAccount(database.sql, {
        userEmail: 'pat@example.com',
        provider: 'microsoft',
        accountEmail: 'pat@contoso.example',
        refreshToken: 'r',
      });
      const mailer = createMailer(catcher.url);
      const deps = {
        sql: database.sql,
        mailer,
        logger: testLogger(),
        settings: { mailFrom: 'rekindle <rekindle@rekindle.test>', publicUrl: 'https://rekindle.test/' },
      };
      try {
        const received = catcher.accepted.length;
        await database.sql`update accounts set status = 'needs_reauth', needs_reauth_at = now() where id = ${accountId}`;
        // SMTP down: nothing is recorded as sent, so the next pass tries again.
        catcher.behave = () => ({ reject: 451, message: 'try later' });
        expect(await notifyReauth(deps)).toBe(0);
        catcher.behave = () => 'accept';
        expect(await notifyReauth(deps)).toBe(1);
        expect(await notifyReauth(deps)).toBe(0);
        const mails = catcher.accepted.slice(received);
        expect(mails).toHaveLength(1);
        expect(mails[0]!.envelope.to).toEqual(['pat@example.com']);
        const raw = mails[0]!.raw
          .toString('utf8')
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
        expect(raw).toContain('https://rekindle.test/connect/microsoft?login_hint=pat%40contoso.example');
        expect(raw).toMatch(/^Auto-Submitted: auto-generated/m);

        // Reconnecting clears it; a second revocation is a second email.
        await connectAccount(database.sql, {
          userEmail: 'pat@example.com',
          provider: 'microsoft',
          accountEmail: 'pat@contoso.example',
          refreshToken: 'r2',
        });
        expect((await database.sql`select status, reauth_notified_at from accounts where id = ${accountId}`)[0]).toEqual({
          status: 'active',
          reauth_notified_at: null,
        });
        await database.sql`update accounts set status = 'needs_reauth', needs_reauth_at = now() where id = ${accountId}`;
        expect(await notifyReauth(deps)).toBe(1);
        expect(catcher.accepted.length - received).toBe(2);
      } finally {
        mailer.close();
      }
    });
  });

  describe('disconnecting', () => {
    it('leaves no row of the account; a message both mailboxes hold keeps counting once; contacts are recomputed', async () => {
      const me = 'jo@example.com';
      const work = 'jo@work.example';
      const { userId, accountId: home } = await connectAccount(database.sql, {
        userEmail: me,
        provider: 'google',
        accountEmail: me,
        refreshToken: 'a',
      });
      const { accountId: office } = await connectAccount(database.sql, {
        userEmail: me,
        provider: 'microsoft',
        accountEmail: work,
        refreshToken: 'b',
      });
      const owner = createOwner([me, work]);
      const target = (accountId: string) => ({ userId, accountId, owner, storeSubjects: true });
      const at = (day: number) => new Date(Date.UTC(2024, 0, day, 10));
      // Ann wrote to both addresses at once (one message, in both mailboxes) and Jo answered from home.
      const shared = message({
        internetMessageId: 'shared@ann.example',
        from: addr('Ann Lee <ann@example.org>'),
        to: [addr(me), addr(work)],
        date: at(3),
      });
      const replyHome = message({
        internetMessageId: 'reply@jo.example',
        from: addr(me),
        to: [addr('ann@example.org')],
        folder: 'sent',
        date: at(4),
      });
      // Only the home mailbox ever talked with Bo.
      const boIn = message({ internetMessageId: 'bo1@bo.example', from: addr('Bo Chan <bo@example.net>'), to: [addr(me)], date: at(5) });
      const boOut = message({
        internetMessageId: 'bo2@jo.example',
        from: addr(me),
        to: [addr('bo@example.net')],
        folder: 'sent',
        date: at(6),
      });
      const officeReply = message({
        internetMessageId: 'reply@work.example',
        from: addr(work),
        to: [addr('ann@example.org')],
        folder: 'sent',
        date: at(7),
      });
      const meeting = event({
        iCalUid: 'standup@cal.example',
        organizer: addr(me),
        attendees: [attendee(me, { self: true }), attendee(work, {}), attendee('ann@example.org', { name: 'Ann Lee' })],
      });
      // From an Exchange DN no message has shown an address for: its interaction waits (pending).
      const fromDn = message({
        internetMessageId: 'dn@corp.example',
        from: { email: '', name: 'Reyes, Dana', dn: '/o=corp/ou=na/cn=recipients/cn=dreyes' },
        to: [addr(me)],
        date: at(8),
      });
      // The home mailbox syncs the shared message first, and the meeting last: it owns both rows.
      await ingestCalendar(database.sql, target(office), [{ ...meeting, providerId: 'office-evt' }]);
      await ingestMail(database.sql, target(home), [shared, replyHome, boIn, boOut, fromDn], []);
      await ingestCalendar(database.sql, target(home), [meeting]);
      await ingestMail(
        database.sql,
        target(office),
        [{ ...shared, providerId: 'office-1' }, officeReply, { ...fromDn, providerId: 'office-dn' }],
        [],
      );
      await recomputeContacts(database.sql, userId);

      const sharedRows = async () =>
        database.sql<{ accountId: string; kind: string }[]>`
          select account_id as "accountId", kind from interactions where user_id = ${userId} and source_key in ('mid:shared@ann.example', ${`evt:standup@cal.example:${meeting.start!.toISOString()}`}) order by kind`;
      const before = await sharedRows();
      expect(before.map((r) => r.kind)).toEqual(['meeting', 'received']);
      expect(before.every((r) => r.accountId === home)).toBe(true);
      const contactsBefore = await database.sql<
        { contact: string }[]
      >`select contact from contacts where user_id = ${userId} order by contact`;
      expect(contactsBefore.map((c) => c.contact)).toEqual(['ann@example.org', 'bo@example.net']);

      const result = await disconnectAccount(database.sql, userId, home);
      expect(result).toMatchObject({ movedInteractions: 2 });

      // The waiting interaction of a message the office mailbox also holds: still there, once, now the office's.
      expect(await database.sql`select account_id as "accountId" from pending_interactions where user_id = ${userId}`).toEqual([
        { accountId: office },
      ]);
      for (const table of [
        'mail_messages',
        'calendar_events',
        'interactions',
        'sync_streams',
        'pending_interactions',
        'address_evidence',
      ]) {
        expect(await database.sql`select 1 from ${database.sql(table)} where account_id = ${home}`, table).toHaveLength(0);
      }
      expect(await database.sql`select 1 from accounts where id = ${home}`).toHaveLength(0);
      // The message and the meeting the office mailbox also holds: still there, once, now the office's.
      const after = await sharedRows();
      expect(after).toEqual([
        { accountId: office, kind: 'meeting' },
        { accountId: office, kind: 'received' },
      ]);
      const contacts = await database.sql<{ contact: string; receivedCount: number; sentCount: number }[]>`
        select contact, received_count as "receivedCount", sent_count as "sentCount" from contacts where user_id = ${userId} order by contact`;
      expect(contacts).toEqual([{ contact: 'ann@example.org', receivedCount: 1, sentCount: 1 }]);
      // The user, their other mailbox and their own addresses stay.
      expect(await database.sql`select 1 from accounts where id = ${office}`).toHaveLength(1);
      expect(
        (await database.sql`select address from user_addresses where user_id = ${userId} order by address`).map((r) => r.address),
      ).toEqual([me, work]);
      expect(await disconnectAccount(database.sql, userId, home)).toBeNull();
    });
  });

  it('the scheduler makes no digest for a paused user, and does once they resume', async () => {
    const { userId } = await seedDigestUser(database, {
      email: 'ria@example.com',
      people: [{ email: 'ada@example.org', name: 'Ada', everyDays: 14, lastDaysAgo: 120, conversations: 10 }],
    });
    await database.sql`update users set digest_paused_at = now(), digest_paused_reason = 'user' where id = ${userId}`;
    await queueDueDigests(database.sql, { messageIdDomain: 'x' });
    expect(await database.sql`select 1 from digests where user_id = ${userId}`).toHaveLength(0);
    await database.sql`update users set digest_paused_at = null, digest_paused_reason = null where id = ${userId}`;
    await queueDueDigests(database.sql, { messageIdDomain: 'x' });
    expect(await database.sql`select 1 from digests where user_id = ${userId}`).toHaveLength(1);
  });
});
