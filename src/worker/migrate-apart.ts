/**
 * `rekindle migrate` in a short-lived child process. A worker runs for weeks: the migrator
 * (drizzle-orm) would leave it about 100 MB of resident memory for nothing after start-up.
 * The child gets the parent's environment, so it migrates the same database.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));

export async function migrateApart(databaseUrl: string): Promise<void> {
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
