/// <reference lib="dom" />
/**
 * The digest's HTML in a real browser (Debian's Chromium, headless): on a desktop and on a
 * 375 px phone it never scrolls sideways, every entry is on screen in full, and the numbers
 * and names are the ones the plain-text part gives, each with its done / snooze / never links.
 * Screenshots go to test-artifacts/.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDigest, type DigestEntry } from '../../src/digest/render-digest.ts';
import { ARTIFACTS as artifacts, launchChromium } from '../../testkit/browser.ts';

const asOf = new Date('2025-06-02T06:00:00Z');
const daysAgo = (n: number) => new Date(asOf.getTime() - n * 86_400_000);

const entries: DigestEntry[] = [
  {
    position: 1,
    contact: 'maya@chenlabs.io',
    email: 'maya@chenlabs.io',
    name: 'Maya Chen',
    reason: '4 months without a word, about seven times your usual gap. They wrote last, so a reply is the natural next step.',
    lastContactAt: daysAgo(123),
    cadenceDays: 18,
    lastSubject: 'Climbing trip',
  },
  {
    position: 2,
    contact: 'jonasweber@example.de',
    email: 'jonas.weber@example.de',
    name: 'Jonas Wéber',
    reason: '8 months without a word, about eight times your usual gap.',
    lastContactAt: daysAgo(245),
    cadenceDays: 30,
    lastSubject: 'Q3 roadmap',
  },
  // The worst a narrow screen gets: long unbroken addresses and subjects, markup in a name.
  {
    position: 3,
    contact: 'x',
    email: 'bartholomew.fitzgerald-montgomery.the.third@a-very-long-subdomain.example-corporation.co.uk',
    name: 'Bartholomew <b>Fitzgerald</b>-Montgomery',
    reason: 'A year without a word.',
    lastContactAt: daysAgo(400),
    cadenceDays: 60,
    lastSubject: 'Re: Re: Fwd: ANNUAL_REPORT_FINAL_v7_reviewed_by_legal_and_finance_DO_NOT_DISTRIBUTE_2024.pdf',
  },
  {
    position: 4,
    contact: 'ravi@kumar.example',
    email: 'ravi@kumar.example',
    name: null,
    reason: 'A year and a half without a word.',
    lastContactAt: daysAgo(540),
    cadenceDays: null,
    lastSubject: null,
  },
  {
    position: 5,
    contact: 'ines@example.pt',
    email: 'ines@example.pt',
    name: 'Inês Duarte',
    reason: '7 months without a word.',
    lastContactAt: daysAgo(200),
    cadenceDays: 40,
    lastSubject: 'Lisbon 🌊 photos',
  },
];
const digest = renderDigest({
  weekOf: '2025-06-02',
  asOf,
  entries,
  recipientName: 'Sam Rivera',
  schedule: { day: 1, hour: 8, timezone: 'Europe/Berlin' },
  unsubscribeUrl: 'https://rekindle.example/digest/unsubscribe/0123456789abcdef0123456789abcdef',
  // Signed links are long: they must wrap or hide behind their labels, never widen the page.
  actionUrl: (position, verb) => `https://rekindle.example/d/${'x'.repeat(180)}${position}${verb ? `?do=${verb}` : ''}`,
});
const textEntries = [...digest.text.matchAll(/^(\d+)\. (.+?)(?: <[^>]+>)?$/gm)].map((m) => ({ number: Number(m[1]), name: m[2]! }));

describe('the digest in a browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each([
    ['desktop', 1280, 900],
    ['mobile', 375, 740],
  ])('%s (%i px): no sideways scrolling, every entry whole and numbered as in the text part', async (label, width, height) => {
    const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.setContent(digest.html, { waitUntil: 'load' });
    await page.screenshot({ path: `${artifacts}digest-${label}.png`, fullPage: true });

    const layout = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      entries: [...document.querySelectorAll<HTMLElement>('.entry')].map((entry) => {
        const box = entry.getBoundingClientRect();
        const overflowing = [...entry.querySelectorAll<HTMLElement>('p')].filter((p) => p.scrollWidth > p.clientWidth + 1).length;
        return {
          number: Number(entry.dataset.number),
          shown: entry.querySelector('.number')?.textContent,
          name: entry.querySelector('.name')?.textContent,
          left: box.left,
          right: box.right,
          height: box.height,
          visible: getComputedStyle(entry).visibility === 'visible' && box.width > 0,
          overflowing,
          actions: [...entry.querySelectorAll<HTMLAnchorElement>('a.action')].map(
            (a) => `${a.textContent}:${a.dataset.verb}:${a.href.endsWith(`${entry.dataset.number}?do=${a.dataset.verb}`)}`,
          ),
        };
      }),
      scripts: document.querySelectorAll('script, img').length,
    }));
    expect(layout.scrollWidth).toBeLessThanOrEqual(width);
    expect(layout.entries).toHaveLength(entries.length);
    for (const entry of layout.entries) {
      expect(entry.visible, `entry ${entry.number}`).toBe(true);
      expect(entry.left).toBeGreaterThanOrEqual(0);
      expect(entry.right).toBeLessThanOrEqual(width);
      expect(entry.height).toBeGreaterThan(40);
      expect(entry.overflowing, `entry ${entry.number} has text running out of its box`).toBe(0);
      expect(entry.shown).toBe(`${entry.number}.`);
      expect(entry.actions, `entry ${entry.number}'s links`).toEqual(['Done:done:true', 'Snooze:snooze:true', 'Never:never:true']);
    }
    expect(layout.entries.map((e) => ({ number: e.number, name: e.name }))).toEqual(textEntries);
    // Markup in a name is text, and the page asks the network for nothing.
    expect(layout.scripts).toBe(0);
    expect(layout.entries[2]!.name).toBe('Bartholomew <b>Fitzgerald</b>-Montgomery');
    expect(requests.filter((url) => !url.startsWith('data:') && url !== 'about:blank')).toEqual([]);
    await page.close();
  });
});
