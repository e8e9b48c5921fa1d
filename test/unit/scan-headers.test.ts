/**
 * The import's header scanner against the full parse it replaces: on every message of the
 * Enron, SpamAssassin and bounce corpora (../shared/corpora) the metadata must be identical,
 * so a header that messageMetaFromHeaders reads but the scanner skips fails here. Plus the
 * folding and garbage-line cases the corpora may not show.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHeaderBlock } from '../../src/mail/header-block.ts';
import { metaOf } from '../../src/import/import-mail.ts';
import { readMaildir } from '../../src/import/read-maildir.ts';
import { scanHeaderBlock, scanMessage, SCANNED_HEADERS } from '../../src/import/scan-headers.ts';
import { corpus } from '../../testkit/corpora.ts';

const wanted = new Set(SCANNED_HEADERS.map((n) => n.toLowerCase()));
const fullParse = (block: string) => parseHeaderBlock(block).filter((h) => wanted.has(h.name.toLowerCase()));

describe('scanHeaderBlock', () => {
  it.each([
    ['folded values, CRLF', 'Subject: a\r\n  b\r\nTo: x@y.org,\r\n\tz@y.org\r\nReceived: from\r\n  far away'],
    ['a continuation of an unwanted header is dropped with it', 'X-Long: a\n b\nFrom: k@x.org\n c'],
    [
      'garbage lines do not end the header above them',
      'To: a@x.org\nnot a header\n b@x.org\nFrom 1@xxx Mon Jun 03 10:00:00 2024\nCc: c@x.org',
    ],
    ['spaces before the colon, any case, repeated headers', 'SUBJECT : hi\nto: a@x.org\nTo: b@x.org\nx-from: Ann\n'],
    ['names with odd characters are not headers', 'Fr\u00f6m: a@x.org\nFrom me: b@x.org\n: c\nFrom:d@x.org'],
    ['a continuation before any header', ' lost\nDate: Mon, 3 Jun 2024 10:00:00 +0000'],
  ])('gives the wanted headers exactly as the full parse does (%s)', (_, block) => {
    expect(scanHeaderBlock(block)).toEqual(fullParse(block));
  });
});

describe('scanMessage on real mail', () => {
  it('gives the same metadata as the full parse for every message of the Enron, SpamAssassin and bounce corpora', async () => {
    const roots = [corpus('enron-inbox/maildir'), corpus('bulk-ham/easy-ham-1'), corpus('bounces')];
    let compared = 0;
    for (const root of roots) {
      for await (const raw of readMaildir(root)) {
        const scanned = scanMessage(raw, raw.providerId);
        expect(scanned.result, raw.origin).toEqual(metaOf(raw));
        compared++;
      }
    }
    // Every file of the three folders (the bounce corpus's LICENSE and SOURCE_* files included: they give malformed:date).
    const files = (dir: string): number =>
      readdirSync(dir, { withFileTypes: true }).reduce(
        (n, e) => n + (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.startsWith('.') ? 0 : 1),
        0,
      );
    expect(compared).toBeGreaterThan(28_000);
    expect(compared).toBeLessThanOrEqual(roots.reduce((n, r) => n + files(r), 0));
  }, 120_000);
});
