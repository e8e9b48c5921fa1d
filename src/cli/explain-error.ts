/**
 * Turns the errors a person running rekindle most often meets into a sentence that says
 * what to do next, instead of a stack trace.
 */
export function explainError(error: unknown): string {
  const root = rootCause(error);
  const code = (root as { code?: string }).code;
  const message = root instanceof Error ? root.message : String(root);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    const port = String((root as { port?: number }).port ?? '');
    const what =
      port && port === portOf(process.env.REDIS_URL, '6379')
        ? 'Redis (REDIS_URL)'
        : port && port === portOf(process.env.DATABASE_URL, '5432')
          ? 'PostgreSQL (DATABASE_URL)'
          : 'a service';
    return `cannot reach ${what}: ${message}. Is it running, and does the URL point at it?`;
  }
  if (code === 'EADDRINUSE') {
    return `${message}. Another process listens there: stop it, or choose another port (PORT for serve, INBOUND_SMTP_PORT for inbound).`;
  }
  if (code === '42P01') return `${message}. The database is not migrated yet: run \`rekindle migrate\`.`;
  if (code === '28P01' || code === '28000') return `${message}. Check the user and password in DATABASE_URL.`;
  if (code === '3D000') return `${message}. Run \`rekindle migrate\` to create it.`;
  return message;
}

function rootCause(error: unknown): unknown {
  let current = error;
  // Drizzle wraps driver errors as "Failed query: …" with the real one as the cause.
  for (let i = 0; i < 5 && current instanceof Error && current.cause !== undefined; i++) current = current.cause;
  if (current instanceof AggregateError && current.errors.length > 0) return current.errors[0];
  return current;
}

function portOf(url: string | undefined, fallback: string): string {
  try {
    return url ? new URL(url).port || fallback : fallback;
  } catch {
    return fallback;
  }
}
