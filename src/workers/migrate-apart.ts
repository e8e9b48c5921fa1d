/**
 * `rekindle migrate` in a short-lived child process. A worker runs for weeks: the migrator
 * (drizzle-orm) would leave it about 100 MB of resident memory for nothing after start-up.
 * The child gets the parent's environment, so it migrates the same database.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));

/**
 * Postgres may be restarting while a worker starts (a host reboot, a failover, a supervisor
 * restarting both): the migration is tried again for a minute before the worker gives up.
 */
export async function migrateApart(
  databaseUrl: string,
  options: { attempts?: number; onRetry?: (error: Error) => void } = {},
): Promise<void> {
  const attempts = options.attempts ?? 12;
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(databaseUrl);
    } catch (error) {
      if (attempt >= attempts) throw error;
      options.onRetry?.(error as Error);
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * attempt)));
    }
  }
}

async function migrateOnce(databaseUrl: string): Promise<void> {
  const child = spawn(process.execPath, [cli, 'migrate'], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => resolve(signal ? 1 : exitCode));
  });
  if (code !== 0) throw new Error(`migrations failed (rekindle migrate exited ${code})`);
}
