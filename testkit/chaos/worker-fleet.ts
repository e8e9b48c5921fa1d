/**
 * `rekindle work` processes of the chaos run: started with the run's environment, killed with
 * SIGKILL (no cleanup, no graceful shutdown, jobs left active in Redis and leases in Postgres)
 * and started again. Their output goes to one log file for the post-mortem.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export class WorkerFleet {
  readonly #env: Record<string, string>;
  readonly #log: WriteStream;
  readonly #workers: (ChildProcess | null)[];
  kills = 0;
  starts = 0;

  constructor(size: number, env: Record<string, string>, logFile: string) {
    this.#env = env;
    this.#log = createWriteStream(logFile, { flags: 'a' });
    this.#workers = new Array<ChildProcess | null>(size).fill(null);
  }

  start(): void {
    for (let i = 0; i < this.#workers.length; i++) if (!this.#workers[i]) this.#spawn(i);
  }

  /** SIGKILLs one worker (by slot) and waits for it to be gone; `restart` starts a new one in its place. */
  async kill(slot: number, restart = true, counted = true): Promise<void> {
    const child = this.#workers[slot];
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
      if (counted) this.kills++;
    }
    this.#workers[slot] = null;
    if (restart) this.#spawn(slot);
  }

  get size(): number {
    return this.#workers.length;
  }

  /** Workers that died without being killed (a crash of their own is a finding). */
  unexpectedExits = 0;

  async stop(): Promise<void> {
    await Promise.all(this.#workers.map((_, slot) => this.kill(slot, false, false)));
    await new Promise((resolve) => this.#log.end(resolve));
  }

  #spawn(slot: number): void {
    const child = spawn(process.execPath, [cli, 'work'], { env: { ...process.env, ...this.#env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(this.#log, { end: false });
    child.stderr!.pipe(this.#log, { end: false });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && this.#workers[slot] === child) {
        this.unexpectedExits++;
        this.#log.write(`chaos: worker ${slot} exited by itself (code ${code}, signal ${signal})\n`);
      }
    });
    this.#workers[slot] = child;
    this.starts++;
  }
}
