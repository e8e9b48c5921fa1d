/** docs/imap.md's table of providers is the web form's (src/providers/imap/imap-presets.ts), row for row. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IMAP_PRESETS, imapPresetTableRows } from '../../src/providers/imap/imap-presets.ts';

describe('IMAP presets', () => {
  it('docs/imap.md lists exactly the presets the form offers, with the same host, port, security and advice', () => {
    const doc = readFileSync(new URL('../../docs/imap.md', import.meta.url), 'utf8');
    const table = doc.slice(doc.indexOf('| provider | server | port / security | where to make the app password |'));
    const lines = table.split('\n').slice(2);
    // The table ends at its first line that is not a row; its last row is "Your own server", which is no preset.
    const rows = lines.slice(
      0,
      lines.findIndex((line) => !line.startsWith('|')),
    );
    expect(rows.at(-1)).toMatch(/^\| Your own server \|/);
    expect(rows.slice(0, -1)).toEqual(imapPresetTableRows());
  });

  it('each preset has its own id and uses TLS, except Proton Mail Bridge on this machine (STARTTLS, its own certificate)', () => {
    expect(new Set(IMAP_PRESETS.map((p) => p.id)).size).toBe(IMAP_PRESETS.length);
    for (const preset of IMAP_PRESETS) {
      if (preset.id === 'proton')
        expect(preset).toMatchObject({ host: '127.0.0.1', port: 1143, security: 'starttls', allowUntrustedCertificate: true });
      else expect(preset).toMatchObject({ port: 993, security: 'tls' });
    }
  });
});
