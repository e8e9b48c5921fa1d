/// <reference lib="dom" />
/**
 * "Other mailbox" in a real browser (Debian's Chromium, headless) against the real web server,
 * the real workers and a real Dovecot: sign in with Google through the emulator's consent
 * screen, open "Other mailbox (IMAP)", pick a preset, enter a wrong app password and read the
 * server's error on the form, enter the right one, and watch the status page count the IMAP
 * mailbox's messages as the workers sync it. Screenshots go to test-artifacts/.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { ARTIFACTS as artifacts, launchChromium, pageErrors } from '../../testkit/browser.ts';
import { startDovecot, type Dovecot } from '../../testkit/dovecot.ts';
import { createImapUser, type ImapTestMessage, type ImapTestUser } from '../../testkit/imap-mailbox.ts';
import { startLiveWebApp, type LiveWebApp } from '../../testkit/live-web-app.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix } from '../../testkit/test-redis.ts';

const OWNER = 'sam@example.com';
const MAILBOX = 'sam@fastmail.example';

function sent(n: number): ImapTestMessage {
  const date = new Date(Date.UTC(2024, 2, 1 + n, 10));
  return {
    folder: 'Sent',
    internalDate: date,
    headers: [
      { name: 'From', value: MAILBOX },
      { name: 'To', value: `friend${n % 3}@example.org` },
      { name: 'Subject', value: `Hello ${n}` },
      { name: 'Date', value: date.toUTCString() },
      { name: 'Message-ID', value: `<hello-${n}@fastmail.example>` },
    ],
  };
}

describe('adding an IMAP mailbox, in a browser', () => {
  let database: TestDatabase;
  let google: GoogleEmulator;
  let dovecot: Dovecot;
  let imapUser: ImapTestUser;
  let web: LiveWebApp;
  let browser: Browser;
  let context: BrowserContext;
  let base = '';
  const queue = createTestPrefix('web-browser-imap');

  beforeAll(async () => {
    database = await createTestDatabase();
    google = await startGoogleEmulator();
    google.addMailbox({ email: OWNER, messages: [] });
    dovecot = await startDovecot();
    imapUser = await createImapUser(dovecot, MAILBOX);
    await imapUser.append(Array.from({ length: 6 }, (_, n) => sent(n)));
    web = await startLiveWebApp(database, queue.prefix, { google }, { SCHEDULER_TICK_SECONDS: '0.5' });
    base = web.base;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1024, height: 900 }, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await web?.close();
    await dovecot?.destroy();
    await google?.close();
    await database?.drop();
    await queue.cleanup();
  });

  it('signs in with Google, adds the IMAP mailbox (a wrong password first), and the status page shows it syncing to the end', async () => {
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(base);
    await page.getByRole('link', { name: 'Connect Google' }).click();
    await page.waitForURL(`${base}/status?connected=google`);

    await page.getByRole('link', { name: 'Other mailbox (IMAP)' }).click();
    await page.waitForURL(`${base}/connect/imap`);
    await page.getByRole('link', { name: 'Fastmail' }).click();
    expect(await page.locator('#host').inputValue()).toBe('imap.fastmail.com');
    expect(await page.locator('#preset-advice').textContent()).toContain('App passwords');
    await page.screenshot({ path: `${artifacts}web-imap-form.png`, fullPage: true });

    // The test server stands in for Fastmail's: on this machine, without TLS.
    await page.locator('#email').fill(MAILBOX);
    await page.locator('#host').fill('127.0.0.1');
    await page.locator('#port').fill(String(dovecot.port));
    await page.locator('#security').selectOption('none');
    await page.locator('#caldav_url').fill('');
    await page.locator('#password').fill('a-wrong-app-password');
    await page.getByRole('button', { name: 'Check and add this mailbox' }).click();
    await page.locator('#connect-error').waitFor();
    expect(await page.locator('#connect-error').textContent()).toContain('did not accept this user name and password');
    expect(await page.locator('#email').inputValue()).toBe(MAILBOX);
    expect(await page.locator('#password').inputValue()).toBe('');
    await page.screenshot({ path: `${artifacts}web-imap-form-error.png`, fullPage: true });
    expect(await database.sql`select 1 from accounts where provider = 'imap'`).toHaveLength(0);
    // The form comes back as a 400 answer, which Chromium reports on its console; nothing else went wrong.
    expect(errors.splice(0)).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);

    await page.locator('#password').fill(imapUser.password);
    await page.getByRole('button', { name: 'Check and add this mailbox' }).click();
    await page.waitForURL(`${base}/status?connected=imap`);
    expect(await page.locator('.notice').first().textContent()).toContain('Your IMAP mailbox is connected');

    // The page reloads itself every few seconds while syncing.
    await page.locator('#sync-state', { hasText: /^synced$/ }).waitFor({ timeout: 60_000 });
    const [account] = await database.sql<{ id: string }[]>`select id from accounts where provider = 'imap'`;
    const card = page.locator(`.card.mailbox[data-account="${account!.id}"]`);
    expect(await card.locator('h2').textContent()).toContain(MAILBOX);
    expect(await card.locator('dd').first().textContent()).toBe('IMAP');
    expect(Number(await card.locator('.messages-synced').textContent())).toBe(6);
    await page.screenshot({ path: `${artifacts}web-imap-status-synced.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
