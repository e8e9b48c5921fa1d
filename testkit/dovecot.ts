/**
 * A throwaway Dovecot IMAP server on loopback (Debian's dovecot-imapd; `npm run setup` installs it, and .ci/run runs that),
 * set up as shared/RECIPES.md describes: its own config, users file and maildir store in a
 * temp dir, its own port, run as Dovecot's users. `restart()` stops and starts the same server
 * (same port, same mail) as `systemctl restart` would: every process of it ends, and with them
 * every client's session.
 *
 * The usual folders carry their SPECIAL-USE flags (Sent, Drafts, Trash, Junk, Archive) once a
 * test creates them. Options: `rawlog` keeps every byte each client sent (the proof of what
 * rekindle asked the server for); `tls` adds an implicit-TLS listener with a self-signed
 * certificate made for the run.
 *
 * Starting and stopping wait on events, not the clock: started is Dovecot's own "starting up"
 * log line (written once its listeners are bound), stopped is the master's exit with its log
 * pipe closed (the master waits for its children, and the log process, which goes last, holds it).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { selfSignedCertificate } from './self-signed-certificate.ts';

export const DOVECOT = '/usr/sbin/dovecot';

export interface Dovecot {
  host: string;
  port: number;
  user: string;
  password: string;
  /** `imap://inbound:secret@127.0.0.1:<port>/INBOX` */
  url: string;
  /** The implicit-TLS port, with `tls`. */
  tlsPort: number | null;
  /** The self-signed certificate (PEM) of the TLS listener, with `tls`. */
  certificate: string | null;
  /** Adds a user (Dovecot reads the users file again when it changes). */
  addUser(user: string, password: string): void;
  /** Gives a user a new password (sessions already logged in stay until kicked). */
  setPassword(user: string, password: string): void;
  /** Runs `doveadm` against this server (mailbox updates, expunges); returns its output. */
  doveadm(args: string[]): string;
  /** The server's directory (config, users, mail, logs). */
  dir: string;
  /** Everything every client sent to the server so far, with `rawlog`. */
  clientCommands(): string;
  /** Everything the server sent to every client so far, with `rawlog`. */
  serverReplies(): string;
  /** IMAP sessions logged in since the start, with `rawlog` (one raw log per session). */
  sessions(): number;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** What Dovecot logged so far (it logs to its standard error here). */
  log(): string;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

export interface DovecotOptions {
  rawlog?: boolean;
  tls?: boolean;
  /**
   * Refuse passwords over a connection without TLS (LOGINDISABLED), as most servers do. Dovecot
   * trusts a client whose address is its own, so the server then listens on 127.0.0.2.
   */
  refusePlaintextLogin?: boolean;
}

export async function startDovecot(options: DovecotOptions = {}): Promise<Dovecot> {
  if (!existsSync(DOVECOT)) throw new Error(`${DOVECOT} is missing: apt-get install -y dovecot-imapd (npm run setup does)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'rekindle-dovecot-'));
  // Dovecot's own users read the users file and the store below it.
  chmodSync(dir, 0o755);
  const host = options.refusePlaintextLogin ? '127.0.0.2' : '127.0.0.1';
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : null;
  const user = 'inbound';
  const password = 'secret';
  mkdirSync(path.join(dir, 'mail'), { recursive: true });
  mkdirSync(path.join(dir, 'run'), { recursive: true });
  execFileSync('chown', ['dovecot:dovecot', path.join(dir, 'mail')]);
  const rawlogDir = path.join(dir, 'rawlog');
  if (options.rawlog) {
    mkdirSync(rawlogDir);
    execFileSync('chown', ['dovecot:dovecot', rawlogDir]);
  }
  let certificate: string | null = null;
  if (options.tls) {
    certificate = selfSignedCertificate(dir, { commonName: 'localhost', days: 2, subjectAltName: 'DNS:localhost,IP:127.0.0.1' }).cert;
  }
  // One passwd file per user: Dovecot notices a changed passwd file only seconds later, but reads
  // a file it has never opened at once, so a user added mid-test can log in immediately.
  const passwd = (name: string) => path.join(dir, 'passwd', name);
  mkdirSync(path.join(dir, 'passwd'));
  writeFileSync(passwd(user), `${user}:{PLAIN}${password}\n`);
  const config = path.join(dir, 'dovecot.conf');
  writeFileSync(
    config,
    `protocols = imap
listen = ${host}
base_dir = ${dir}/run
state_dir = ${dir}/run
log_path = /dev/stderr
${options.tls ? `ssl = yes\nssl_cert = <${dir}/cert.pem\nssl_key = <${dir}/key.pem` : 'ssl = no'}
disable_plaintext_auth = ${options.refusePlaintextLogin ? 'yes' : 'no'}
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:${dir}/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd/%u
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${dir}/mail/%u
}
namespace inbox {
  inbox = yes
  mailbox Sent {
    special_use = \\Sent
  }
  mailbox Drafts {
    special_use = \\Drafts
  }
  mailbox Trash {
    special_use = \\Trash
  }
  mailbox Junk {
    special_use = \\Junk
  }
  mailbox Archive {
    special_use = \\Archive
  }
}
${options.rawlog ? `protocol imap {\n  rawlog_dir = ${rawlogDir}\n}` : ''}
service imap-login {
  inet_listener imap {
    address = ${host}
    port = ${port}
  }
${tlsPort ? `  inet_listener imaps {\n    address = 127.0.0.1\n    port = ${tlsPort}\n    ssl = yes\n  }` : ''}
}
first_valid_uid = 1
default_internal_user = dovecot
default_login_user = dovenull
`,
  );
  const rawlogs = (suffix: '.in' | '.out') => {
    if (!options.rawlog) throw new Error('startDovecot({ rawlog: true }) keeps what clients and server say');
    return readdirSync(rawlogDir)
      .filter((f) => f.endsWith(suffix))
      .map((f) => readFileSync(path.join(rawlogDir, f), 'utf8'))
      .join('\n');
  };
  let master: ChildProcess | null = null;
  let log = '';
  const server: Dovecot = {
    host,
    port,
    user,
    password,
    url: `imap://${user}:${password}@${host}:${port}/INBOX`,
    tlsPort,
    certificate,
    addUser(name, secret) {
      writeFileSync(passwd(name), `${name}:{PLAIN}${secret}\n`);
    },
    setPassword(name, secret) {
      writeFileSync(passwd(name), `${name}:{PLAIN}${secret}\n`);
    },
    doveadm(args) {
      return execFileSync('/usr/bin/doveadm', ['-c', config, ...args], { encoding: 'utf8' });
    },
    dir,
    log: () => log,
    clientCommands: () => rawlogs('.in'),
    serverReplies: () => rawlogs('.out'),
    sessions() {
      if (!options.rawlog) throw new Error('startDovecot({ rawlog: true }) counts sessions');
      return readdirSync(rawlogDir).filter((f) => f.endsWith('.in')).length;
    },
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
  };
  await server.start();
  return server;
}

export async function freePort(): Promise<number> {
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

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `check` until it holds, failing after 20 s. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
