/**
 * A throwaway Dovecot IMAP server on loopback (Debian's dovecot-imapd; `npm run setup` installs it, and .ci/run runs that),
 * set up as shared/RECIPES.md describes: its own config, users file and maildir store in a
 * temp dir, its own port, run as Dovecot's users. `restart()` stops and starts the same server
 * (same port, same mail) as `systemctl restart` would: every process of it ends, and with them
 * every client's session.
 *
 * Every wait is on an event, none on the clock: started is Dovecot's own "starting up" log line
 * (written once its listeners are bound), stopped is the master's exit with its log pipe closed
 * (the master waits for its children, and the log process, which goes last, holds the pipe).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const DOVECOT = '/usr/sbin/dovecot';

export interface Dovecot {
  port: number;
  user: string;
  password: string;
  /** `imap://inbound:secret@127.0.0.1:<port>/INBOX` */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
  /** What Dovecot logged so far (it logs to its standard error here). */
  log(): string;
}

export async function startDovecot(): Promise<Dovecot> {
  if (!existsSync(DOVECOT)) throw new Error(`${DOVECOT} is missing: apt-get install -y dovecot-imapd (npm run setup does)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'rekindle-dovecot-'));
  // Dovecot's own users read the users file and the store below it.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const user = 'inbound';
  const password = 'secret';
  mkdirSync(path.join(dir, 'mail'), { recursive: true });
  mkdirSync(path.join(dir, 'run'), { recursive: true });
  execFileSync('chown', ['dovecot:dovecot', path.join(dir, 'mail')]);
  writeFileSync(path.join(dir, 'users'), `${user}:{PLAIN}${password}\n`);
  const config = path.join(dir, 'dovecot.conf');
  writeFileSync(
    config,
    `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/run
log_path = /dev/stderr
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
}
first_valid_uid = 1
default_internal_user = dovecot
default_login_user = dovenull
`,
  );
  let master: ChildProcess | null = null;
  let log = '';
  const server: Dovecot = {
    port,
    user,
    password,
    url: `imap://${user}:${password}@127.0.0.1:${port}/INBOX`,
    async start() {
      // In the foreground (-F), as a child of this process in a group of its own: stopping it
      // reaps it, and stops every process of it.
      const child = spawn(DOVECOT, ['-F', '-c', config], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      master = child;
      const from = log.length;
      const listening = new Promise<void>((resolve, reject) => {
        child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
          log += chunk;
          if (/master: Info: Dovecot v\S+ .*starting up/.test(log.slice(from))) resolve();
        });
        child.once('close', (code, signal) => {
          if (master === child) master = null;
          reject(new Error(`dovecot ended (${signal ?? code}) before it listened on ${port}:\n${log.slice(from)}`));
        });
      });
      await listening;
    },
    async stop() {
      const child = master;
      if (!child || child.exitCode !== null || child.pid === undefined) return;
      // 'close': the master exited (after its children) and its log pipe closed (the log process ended last).
      const ended = once(child, 'close');
      // The whole process group, as `systemctl restart` stops the whole unit: the master alone
      // would leave the serving imap processes (and their clients' sessions) running for a while.
      process.kill(-child.pid, 'SIGTERM');
      await ended;
    },
    async restart() {
      await server.stop();
      await server.start();
    },
    async destroy() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => log,
  };
  await server.start();
  return server;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
