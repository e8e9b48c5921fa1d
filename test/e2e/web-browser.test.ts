/// <reference lib="dom" />
/**
 * Connect once, in a real browser (Debian's Chromium, headless), against the real web server,
 * the real workers and the Gmail emulator's consent screen: open the landing page, connect
 * Google, watch the status page reach "synced" while the workers sync the sample mailbox,
 * change the settings (the timezone comes from the browser), act on the digest through its
 * signed link, unsubscribe, and act on "who is due" (done, then undo) with each person's
 * rhythm. Screenshots go to test-artifacts/.
 */
import { simpleParser } from 'mailparser';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleMailbox } from '../../fakes/demo/sample-mailbox.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startMailCatcher, type MailCatcher } from '../../fakes/mail-catcher.ts';
import { ARTIFACTS as artifacts, launchChromium, pageErrors } from '../../testkit/browser.ts';
import { startLiveWebApp, type LiveWebApp } from '../../testkit/live-web-app.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix } from '../../testkit/test-redis.ts';

describe('connect once, in a browser', () => {
  let database: TestDatabase;
  let google: GoogleEmulator;
  let catcher: MailCatcher;
  let web: LiveWebApp;
  let browser: Browser;
  let context: BrowserContext;
  let base = '';
  const queue = createTestPrefix('web-browser');
  const sample = buildSampleMailbox({ now: new Date(Math.floor(Date.now() / 1000) * 1000) });
  const owner = sample.owner.email;

  beforeAll(async () => {
    database = await createTestDatabase();
    google = await startGoogleEmulator({ quotaUnitsPerMinute: 60_000 });
    google.addMailbox(sample.seed);
    catcher = await startMailCatcher();
    web = await startLiveWebApp(
      database,
      queue.prefix,
      { google },
      { SMTP_URL: catcher.url, GMAIL_QUOTA_UNITS_PER_MINUTE: '60000', SCHEDULER_TICK_SECONDS: '0.5' },
    );
    base = web.base;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1024, height: 800 }, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await web?.close();
    await catcher?.close();
    await google?.close();
    await database?.drop();
    await queue.cleanup();
  });

  const user = async () =>
    (
      await database.sql<
        {
          id: string;
          timezone: string;
          digest_day: number;
          digest_hour: number;
          digest_budget: number | null;
          digest_stopped_at: Date | null;
        }[]
      >`
      select id, timezone, digest_day, digest_hour, digest_budget, digest_stopped_at from users where email = ${owner}`
    )[0]!;

  it('lands, connects Google through the consent screen, and the status page reaches "synced" while real workers sync', async () => {
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(base);
    await page.screenshot({ path: `${artifacts}web-landing.png`, fullPage: true });
    const connect = page.getByRole('link', { name: 'Connect Google' });
    // The page's script put the browser's timezone on the link.
    expect(await connect.getAttribute('href')).toBe('/connect/google?tz=Europe%2FBerlin');
    await connect.click();
    await page.waitForURL(`${base}/status?connected=google`);
    expect(await page.locator('.notice').first().textContent()).toContain('Your Google mailbox is connected');
    // Each mailbox shows the first sync as a bar beside what it has read so far.
    expect(await page.locator('.mailbox .sync-progress progress').count()).toBe(1);
    await page.screenshot({ path: `${artifacts}web-status-syncing.png`, fullPage: true });

    // The page reloads itself every few seconds while syncing.
    await page.locator('#sync-state', { hasText: /^synced$/ }).waitFor({ timeout: 90_000 });
    await page.screenshot({ path: `${artifacts}web-status-synced.png`, fullPage: true });
    const messages = Number(await page.locator('.messages-synced').textContent());
    const events = Number(await page.locator('.events-synced').textContent());
    const streams = await database.sql<
      { stream: string; items: number }[]
    >`select stream, items_synced::int as items from sync_streams order by stream`;
    expect(messages).toBe(streams.find((s) => s.stream === 'mail')!.items);
    expect(events).toBe(streams.find((s) => s.stream === 'calendar')!.items);
    expect(messages).toBeGreaterThan(500);
    const contacts = Number(await page.locator('#contacts-found').textContent());
    expect(contacts).toBe((await database.sql`select 1 from contacts`).length);
    expect(contacts).toBeGreaterThan(10);
    expect(await page.locator('#summary').textContent()).toContain(owner);
    expect((await user()).timezone).toBe('Europe/Berlin');
    // The first sync's progress is a bar, full once synced.
    const bar = page.locator('.mailbox progress');
    expect(await bar.getAttribute('value')).toBe('1');
    expect(await bar.getAttribute('aria-label')).toBe('First sync: done');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('changes the settings: day, hour, timezone offered from the browser, list size', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/settings`);
    expect(await page.locator('[data-detected-tz]').textContent()).toBe('Europe/Berlin');
    await page.locator('#timezone').fill('America/New_York');
    await page.getByRole('button', { name: 'Use it' }).click();
    expect(await page.locator('#timezone').inputValue()).toBe('Europe/Berlin');
    await page.locator('#day').selectOption({ label: 'Wednesday' });
    await page.locator('#hour').selectOption({ label: '18:00' });
    await page.locator('#budget').fill('3');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#saved').waitFor();
    await page.screenshot({ path: `${artifacts}web-settings.png`, fullPage: true });
    expect(await user()).toMatchObject({ timezone: 'Europe/Berlin', digest_day: 3, digest_hour: 18, digest_budget: 3 });
    await page.close();
  });

  it("acts on the digest through its signed link, then unsubscribes through the digest's link", async () => {
    const [digestMail] = await catcher.waitForReceived(1, 60_000);
    const digest = await simpleParser(digestMail!.raw);
    const text = digest.text ?? '';
    const first = /^1\. (.+?)(?: <([^>]+)>)?$/m.exec(text)!;
    const link = /^ {3}Mark as done, snooze or never: (\S+)$/m.exec(text)![1]!;
    expect(link.startsWith(`${base}/d/`)).toBe(true);

    const page = await context.newPage();
    await page.goto(link);
    expect(await page.locator('h1').textContent()).toBe(first[1]);
    const [item] = await database.sql<{ contact: string; userId: string }[]>`
      select i.contact, d.user_id as "userId" from digest_items i join digests d on d.id = i.digest_id where i.position = 1`;
    expect(await database.sql`select 1 from contact_marks where contact = ${item!.contact}`).toHaveLength(0);
    await page.screenshot({ path: `${artifacts}web-digest-action.png`, fullPage: true });
    await page.getByRole('button', { name: 'I wrote to them — done' }).click();
    expect(await page.locator('#result').textContent()).toContain('is marked done');
    await page.screenshot({ path: `${artifacts}web-digest-action-done.png`, fullPage: true });
    expect(
      (await database.sql`select status from contact_marks where user_id = ${item!.userId} and contact = ${item!.contact}`)[0],
    ).toEqual({ status: 'done' });

    const unsubscribe = /^To stop these emails: (\S+)$/m.exec(text)![1]!;
    await page.goto(unsubscribe);
    expect((await user()).digest_stopped_at).toBeNull();
    await page.getByRole('button', { name: 'Stop these emails' }).click();
    expect(await page.locator('body').textContent()).toContain('you will get no more weekly lists');
    expect((await user()).digest_stopped_at).toBeInstanceOf(Date);
    await page.goto(`${base}/status`);
    expect(await page.locator('#next-digest').textContent()).toBe('none: you unsubscribed');
    await page.screenshot({ path: `${artifacts}web-status-unsubscribed.png`, fullPage: true });
    await page.close();
  });

  it('who is due: a due person with their rhythm; "done" moves them to what you told rekindle, "undo" brings them back', async () => {
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(`${base}/status`);
    await page.getByRole('link', { name: 'Who is due' }).first().click();
    await page.waitForURL(`${base}/due`);
    const lists = page.locator('section[id^="list-"]');
    expect(await lists.count()).toBe(4);
    const person = lists.locator('li.person').first();
    const contact = (await person.getAttribute('data-contact'))!;
    // Someone of the sample mailbox, with nothing said about them yet.
    expect(await database.sql`select 1 from contacts where contact = ${contact}`).toHaveLength(1);
    expect(await database.sql`select 1 from contact_marks where contact = ${contact}`).toHaveLength(0);
    // Their rhythm: an image whose name is what the bars show, drawn (not empty) by the browser.
    const rhythm = person.getByRole('img');
    expect(await rhythm.getAttribute('aria-label')).toMatch(
      /^\d+ messages? or meetings? with them in the last 24 months; the last on \d{1,2} [A-Z][a-z]+ \d{4}\.$/,
    );
    expect(await rhythm.locator('rect').count()).toBeGreaterThan(0);
    const box = await rhythm.boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    await page.screenshot({ path: `${artifacts}web-who-is-due.png`, fullPage: true });

    await person.getByRole('button', { name: 'Done', exact: true }).click();
    await page.locator('#saved').waitFor();
    expect(await page.locator('#saved').textContent()).toContain('marked done');
    const told = page.locator(`#told li.person[data-contact="${contact}"]`);
    expect(await told.textContent()).toContain('Marked done on');
    expect(await lists.locator(`li.person[data-contact="${contact}"]`).count()).toBe(0);
    expect(await told.getByRole('img').count()).toBe(1);
    expect((await database.sql`select status from contact_marks where contact = ${contact}`)[0]).toEqual({ status: 'done' });
    await page.screenshot({ path: `${artifacts}web-who-is-due-done.png`, fullPage: true });

    await told.getByRole('button', { name: 'Undo' }).click();
    await page.locator('#undone').waitFor();
    expect(await page.locator('#undone').textContent()).toContain('Taken back');
    expect(await page.locator(`#told li.person[data-contact="${contact}"]`).count()).toBe(0);
    expect(await lists.locator(`li.person[data-contact="${contact}"]`).count()).toBe(1);
    expect(await database.sql`select 1 from contact_marks where contact = ${contact}`).toHaveLength(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
