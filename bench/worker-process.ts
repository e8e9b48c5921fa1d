/**
 * A real worker process (`rekindle work`, as `node src/cli.ts work`) pointed at a
 * bench database and prefix: for figures that belong to one process (peak RSS) and for
 * scaling across processes. Stopped with SIGTERM, as a process manager would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface WorkerProcess {
  pid: number;
  /** SIGTERM, then waits for the graceful stop (SIGKILL after 30 s). */
  stop(): Promise<void>;
}

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  const child: ChildProcess = spawn(process.execPath, [cli, 'work'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
