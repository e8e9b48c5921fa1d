/**
 * A throwaway Radicale CalDAV server on loopback (Debian's `radicale`; `.ci/run` installs it),
 * set up as testkit/dovecot.ts sets up Dovecot: its own config, htpasswd file and collection
 * store in a temp dir, its own port, run in the foreground as a child of this process.
 *
 * Radicale speaks what rekindle relies on: discovery (`/.well-known/caldav`,
 * current-user-principal, calendar-home-set), sync-collection (RFC 6578) with real sync tokens,
 * getctag/getetag and calendar-multiget. `forgetSyncTokens()` deletes the tokens it keeps on
 * disk, after which it answers an old token with 403 `valid-sync-token`, as a server that
 * expired it does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, canConnect, waitFor } from './dovecot.ts';

export const RADICALE = '/usr/bin/radicale';

export interface Radicale {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  port: number;
  dir: string;
  /** Adds a user to the htpasswd file (Radicale reads it on every request). */
  addUser(user: string, password: string): void;
  /** Deletes every sync token Radicale remembers: old tokens are then refused (403 valid-sync-token). */
  forgetSyncTokens(): void;
  /** Everything Radicale logged (requests at info level). */
  log(): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startRadicale(): Promise<Radicale> {
  if (!existsSync(RADICALE)) throw new Error(`${RADICALE} is missing: apt-get install -y radicale (.ci/run does)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'rekindle-radicale-'));
  const port = await freePort();
  const collections = path.join(dir, 'collections');
  mkdirSync(collections);
  const users = path.join(dir, 'users');
  writeFileSync(users, '');
  const config = path.join(dir, 'config');
  writeFileSync(
    config,
    `[server]
hosts = 127.0.0.1:${port}

[auth]
type = htpasswd
htpasswd_filename = ${users}
htpasswd_encryption = plain
delay = 0

[rights]
type = owner_only

[storage]
filesystem_folder = ${collections}

[web]
type = none

[logging]
level = info
mask_passwords = True
`,
  );
  const lines: string[] = [];
  let child: ChildProcess | null = null;
  const server: Radicale = {
    url: `http://127.0.0.1:${port}/`,
    port,
    dir,
    addUser(user, password) {
      writeFileSync(users, `${user}:${password}\n`, { flag: 'a' });
    },
    forgetSyncTokens() {
      for (const tokens of findDirectories(collections, 'sync-token')) rmSync(tokens, { recursive: true, force: true });
    },
    log: () => lines.join(''),
    async start() {
      const started = spawn(RADICALE, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      started.stdout!.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
      started.stderr!.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
      started.once('exit', () => {
        if (child === started) child = null;
      });
      await waitFor(async () => {
        if (started.exitCode !== null) throw new Error(`radicale exited (${started.exitCode}): ${lines.join('').slice(-2000)}`);
        return canConnect('127.0.0.1', port);
      }, `radicale to listen on ${port}`);
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGTERM');
      await exited;
    },
    async destroy() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

function findDirectories(root: string, name: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const full = path.join(root, entry.name);
    if (entry.name === name) found.push(full);
    else found.push(...findDirectories(full, name));
  }
  return found;
}
