import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EmulatorEndpoints, EmulatorSpec, ProviderStats } from './emulator-host.ts';

export interface EmulatorProcess {
  endpoints: EmulatorEndpoints;
  refreshTokens: Record<string, string>;
  pid: number;
  /** What the provider charged and served, for these mailboxes (default all). */
  stats(emails?: string[]): Promise<ProviderStats>;
  close(): Promise<void>;
}

const host = fileURLToPath(new URL('./emulator-host.ts', import.meta.url));

/** Starts an emulator in a child process and waits until it serves the generated mailboxes. */
export async function startEmulatorProcess(spec: EmulatorSpec): Promise<EmulatorProcess> {
  const child = fork(host, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=4096'] });
  const next = <T>(type: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: { type: string; message?: string }) => {
        if (message.type === 'error') {
          cleanup();
          reject(new Error(`emulator process: ${message.message}`));
        } else if (message.type === type) {
          cleanup();
          resolve(message as T);
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`emulator process exited (${code}) before answering ${type}`));
      };
      const cleanup = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
  const ready = next<{ endpoints: EmulatorEndpoints; refreshTokens: Record<string, string> }>('ready');
  child.send({ type: 'start', spec });
  const { endpoints, refreshTokens } = await ready;
  return {
    endpoints,
    refreshTokens,
    pid: child.pid!,
    async stats(emails) {
      const answer = next<{ stats: ProviderStats }>('stats');
      child.send({ type: 'stats', emails });
      return (await answer).stats;
    },
    close: () => stop(child),
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ type: 'close' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
