/**
 * Layers point one way. This reads every relative import (static and dynamic) of the
 * project's TypeScript and fails on an edge that points the wrong way: inference that
 * reaches for storage, providers that know about the database, product code that loads a
 * fake, a lower part of the product that reaches up into the web app or the CLI.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const FOLDERS = ['src', 'workers', 'fakes', 'testkit', 'test', 'bench', 'chaos', 'eval'];

interface Edge {
  from: string;
  to: string;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Static imports and re-exports (`from '…'`), dynamic `import(…)` and bare side-effect imports. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm;

function readEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of FOLDERS.flatMap((f) => tsFiles(path.join(root, f)))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(SPECIFIER)) {
      const target = path.resolve(path.dirname(file), match[2]!);
      edges.push({ from: path.relative(root, file), to: path.relative(root, target) });
    }
  }
  return edges;
}

const under = (folder: string) => (file: string) => file === folder || file.startsWith(`${folder}/`);
const anyOf =
  (...folders: string[]) =>
  (file: string) =>
    folders.some((f) => under(f)(file));

interface Rule {
  why: string;
  from: (file: string) => boolean;
  to: (file: string) => boolean;
  allowed?: Edge[];
  /** Edges within one top-level folder (a test importing a helper beside it) are fine. */
  sameFolderAllowed?: boolean;
}

/** The top of the product: composition roots that may import anything of the product below. */
const TOP = anyOf('src/web', 'src/cli', 'src/cli.ts', 'src/worker', 'src/workers');

const RULES: Rule[] = [
  {
    why: 'inference is pure: contacts may read normalized mail shapes and nothing else of the product',
    from: under('src/contacts'),
    to: (file) => under('src')(file) && !anyOf('src/contacts', 'src/mail')(file),
  },
  {
    why: 'normalized mail shapes and header reading stand alone',
    from: under('src/mail'),
    to: (file) => under('src')(file) && !under('src/mail')(file),
  },
  {
    why: 'providers know no storage, no sync engine and nothing above them',
    from: under('src/providers'),
    to: anyOf('src/db', 'src/sync', 'src/contact-store', 'src/digest', 'src/replies', 'src/queue', 'src/accounts', 'src/import'),
  },
  {
    why: 'the web app, the CLI and the workers are the top: nothing below imports them',
    from: (file) => under('src')(file) && !TOP(file),
    to: TOP,
  },
  {
    why: 'product code never loads a fake; `rekindle demo` alone runs on them, loaded only when asked',
    from: under('src'),
    to: anyOf('fakes', 'testkit', 'test', 'bench', 'chaos', 'eval'),
    allowed: [{ from: 'src/cli.ts', to: 'fakes/demo/demo-command.ts' }],
  },
  {
    why: 'the emulators, the mail catcher and the static resolver have their own code, so a product bug is not reproduced by the fake that should catch it',
    from: anyOf('fakes/google', 'fakes/microsoft', 'fakes/shared', 'fakes/mail-catcher.ts', 'fakes/static-dns.ts'),
    to: anyOf('src'),
  },
  {
    why: 'tests, bench, chaos and eval share one kit (testkit/), not each other',
    from: anyOf('test', 'bench', 'chaos', 'eval', 'testkit', 'fakes'),
    to: anyOf('test', 'bench', 'chaos', 'eval'),
    sameFolderAllowed: true,
  },
];

function violations(edges: Edge[]): string[] {
  const found: string[] = [];
  for (const rule of RULES) {
    for (const edge of edges) {
      if (!rule.from(edge.from) || !rule.to(edge.to)) continue;
      if (rule.sameFolderAllowed && edge.from.split('/')[0] === edge.to.split('/')[0]) continue;
      if (rule.allowed?.some((a) => a.from === edge.from && a.to === edge.to)) continue;
      found.push(`${edge.from} → ${edge.to}: ${rule.why}`);
    }
  }
  return found;
}

describe('the import graph', () => {
  const edges = readEdges();

  it('reads the real graph (every import resolves to a file, and the known edges are there)', () => {
    expect(edges.length).toBeGreaterThan(500);
    expect(edges.filter((e) => !existsSync(path.join(root, e.to))).map((e) => `${e.from} → ${e.to}`)).toEqual([]);
    expect(edges).toContainEqual({ from: 'src/cli.ts', to: 'fakes/demo/demo-command.ts' });
  });

  it('has no edge pointing the wrong way', () => {
    expect(violations(edges)).toEqual([]);
  });

  it('catches a forbidden edge (the check itself works)', () => {
    expect(violations([{ from: 'src/contacts/cadence.ts', to: 'src/db/schema.ts' }])).toHaveLength(1);
    expect(violations([{ from: 'src/providers/google/gmail-mail-source.ts', to: 'src/db/client.ts' }])).toHaveLength(1);
    expect(violations([{ from: 'src/replies/handle-reply.ts', to: 'src/web/html.ts' }])).toHaveLength(1);
    expect(violations([{ from: 'src/digest/send-digest.ts', to: 'fakes/mail-catcher.ts' }])).toHaveLength(1);
    expect(violations([{ from: 'fakes/google/gmail-store.ts', to: 'src/mail/header-block.ts' }])).toHaveLength(1);
    expect(violations([{ from: 'test/integration/chaos-crash.test.ts', to: 'chaos/run-chaos.ts' }])).toHaveLength(1);
  });
});
