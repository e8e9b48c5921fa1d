/**
 * The README is the short way in and docs/ holds the rest, so a newcomer follows links between
 * them: every relative link must reach a file, and its #fragment a heading of that file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

const DOCUMENTS = [
  'README.md',
  'SECURITY.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Markdown outside fenced code blocks, where links and headings mean something. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's anchor for a heading: lower case, formatting and punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, title] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = title!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/i.test(target));
}

describe('documentation links', () => {
  it.each(DOCUMENTS)('every relative link in %s reaches a file and a heading', (document) => {
    const broken: string[] = [];
    for (const target of relativeLinks(read(document))) {
      const [file, fragment] = target.split('#') as [string, string | undefined];
      const resolved = file === '' ? document : path.posix.normalize(path.posix.join(path.posix.dirname(document), file));
      if (!existsSync(path.join(root, resolved))) {
        broken.push(`${target}: no file ${resolved}`);
        continue;
      }
      if (fragment !== undefined && resolved.endsWith('.md') && !anchorsOf(read(resolved)).has(fragment)) {
        broken.push(`${target}: no heading #${fragment} in ${resolved}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('README', () => {
  const readme = read('README.md');

  it('stays the short way in: at most 200 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
  });

  it("shows the command CI runs and the demo's", () => {
    const ci = read('.ci/run').trim().split('\n').at(-1)!;
    expect(ci).toBe('npm test');
    // The README's first command is the same route: setup (what .ci/run sources), then the tests.
    expect(read('.ci/run')).toMatch(/^source scripts\/setup\.sh$/m);
    expect(JSON.parse(read('package.json')).scripts.setup).toBe('bash scripts/setup.sh');
    expect(readme).toContain(`\nnpm run setup && ${ci} `);
    expect(readme).toContain('\nnpm run demo ');
  });
});
