/**
 * An IMAP account's calendar secrets (a CalDAV password of its own, an .ics feed's address) are
 * kept as its app password is: encrypted, bound to the account row, rotated by `rekindle tokens
 * reencrypt`, read back only when a sync starts. Settings that would send a secret in the clear
 * are refused before anything is stored.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalendarSourcesError, resolveCalendarSources, setCalendarSources } from '../../src/accounts/calendar-sources.ts';
import { connectAccount } from '../../src/accounts/connect-account.ts';
import { reencryptTokens } from '../../src/accounts/reencrypt-tokens.ts';
import { createTokenCipher, parseTokenKeys } from '../../src/security/token-cipher.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const K1 = key('k1');
const K2 = key('k2');
const cipher = (...keys: string[]) => createTokenCipher(parseTokenKeys(keys.join(',')));
const server = {
  host: 'imap.fastmail.com',
  port: 993,
  security: 'tls' as const,
  user: 'sam@fastmail.example',
  allowUntrustedCertificate: false,
};
const FEED = 'https://calendar.example.com/ical/sam/private-9c1e4b/basic.ics';

describe('calendar secrets of an IMAP account', () => {
  let database: TestDatabase;
  let accountId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ accountId } = await connectAccount(
      database.sql,
      {
        userEmail: 'sam@fastmail.example',
        provider: 'imap',
        accountEmail: 'sam@fastmail.example',
        refreshToken: 'imap-app-password',
        imapServer: server,
        calendarSources: { caldav: { url: 'https://caldav.example.com/', password: 'caldav-own-password' }, ics: { url: FEED } },
      },
      cipher(K1),
    ));
  });
  afterAll(async () => {
    await database?.drop();
  });

  const row = async () =>
    (
      await database.sql<{ sources: unknown; secret: string | null }[]>`
      select calendar_sources as sources, calendar_secret as secret from accounts where id = ${accountId}`
    )[0]!;

  it('stores the settings in the clear and the secrets only encrypted', async () => {
    const { sources, secret } = await row();
    expect(sources).toEqual({
      caldav: { url: 'https://caldav.example.com/', user: 'sam@fastmail.example', ownPassword: true, allowUntrustedCertificate: false },
      ics: { host: 'calendar.example.com', allowUntrustedCertificate: false },
    });
    expect(secret).toMatch(/^rk1\.k1\./);
    expect(secret).not.toContain('caldav-own-password');
    expect(secret).not.toContain('private-9c1e4b');
    expect(await resolveCalendarSources(database.sql, accountId, cipher(K1))).toEqual({
      caldav: { server: (sources as { caldav: unknown }).caldav, password: 'caldav-own-password', passwordIsTheMailbox: false },
      ics: { url: FEED, allowUntrustedCertificate: false },
    });
  });

  it('signs in to CalDAV with the mailbox’s app password when the calendar has none of its own', async () => {
    await setCalendarSources(database.sql, accountId, { caldav: { url: 'https://caldav.example.com/' } }, cipher(K1));
    expect((await row()).secret).toBeNull();
    const resolved = await resolveCalendarSources(database.sql, accountId, cipher(K1));
    expect(resolved.caldav).toMatchObject({ password: 'imap-app-password', passwordIsTheMailbox: true });
    expect(resolved.ics).toBeNull();
  });

  it('is re-encrypted under the new key by `rekindle tokens reencrypt`, and bound to its row', async () => {
    await setCalendarSources(database.sql, accountId, { ics: { url: FEED } }, cipher(K1));
    const result = await reencryptTokens(database.sql, cipher(K2, K1));
    expect(result).toEqual({ reencrypted: 1, current: 0, failed: [] });
    expect((await row()).secret).toMatch(/^rk1\.k2\./);
    expect((await resolveCalendarSources(database.sql, accountId, cipher(K2))).ics!.url).toBe(FEED);
    // Copied into another account's row, it does not decrypt there.
    const { accountId: other } = await connectAccount(
      database.sql,
      {
        userEmail: 'lee@example.com',
        provider: 'imap',
        accountEmail: 'lee@example.com',
        refreshToken: 'p',
        // Lee's own login on the server: the same login would be Sam's mailbox.
        imapServer: { ...server, user: 'lee@example.com' },
        calendarSources: { ics: { url: FEED } },
      },
      cipher(K2),
    );
    await database.sql`update accounts set calendar_secret = (select calendar_secret from accounts where id = ${accountId}) where id = ${other}`;
    await expect(resolveCalendarSources(database.sql, other, cipher(K2))).rejects.toThrow(/does not decrypt/);
  });

  it('refuses settings that would send a secret in the clear, or that no server could take', async () => {
    const refused = (input: Parameters<typeof setCalendarSources>[2]) => setCalendarSources(database.sql, accountId, input, cipher(K2));
    await expect(refused({ caldav: { url: 'http://caldav.example.com/' } })).rejects.toThrow(/in the clear/);
    await expect(refused({ caldav: { url: 'not a url' } })).rejects.toThrow(/not a URL/);
    await expect(refused({ ics: { url: 'ftp://calendar.example.com/x.ics' } })).rejects.toThrow(/not ftp/);
    await expect(refused({ caldav: { url: 'https://caldav.example.com/', password: '' } })).rejects.toThrow(CalendarSourcesError);
    const [google] = await database.sql<{ id: string }[]>`
      insert into accounts (user_id, provider, email) select user_id, 'google', 'g@example.com' from accounts where id = ${accountId} returning id`;
    await expect(setCalendarSources(database.sql, google!.id, { ics: { url: FEED } }, cipher(K2))).rejects.toThrow(
      /offered for IMAP mailboxes/,
    );
    // Nothing of the refused settings was stored.
    expect((await row()).sources).toEqual({ caldav: null, ics: { host: 'calendar.example.com', allowUntrustedCertificate: false } });
  });
});
