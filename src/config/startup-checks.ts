/**
 * What each command that opens connections, ports or emulators needs from its configuration,
 * checked as a whole before the command's own code is even loaded: a missing secret then stops
 * it at once, every problem named (exit 78), instead of surfacing midway through start-up with
 * a Postgres pool, a Redis connection or a listening socket already open. Only the schema and
 * the token-key parser load here; Fastify, BullMQ and the provider clients come after.
 *
 * Each check is the very function the command calls later, so the two cannot disagree.
 */
import { tokenCipherFor } from '../security/token-cipher.ts';
import { ConfigError, dkimSettings, getConfig, inboundTls, requireLinkSecrets, type Config, type ConfigIssue } from './env.ts';

type Check = (config: Config) => unknown;

const tokenKeys: Check = (config) => tokenCipherFor(config);
const digestDkim: Check = (config) => dkimSettings(config);
// As the web app decides (src/web/web-app.ts): required in production, or when set at all.
const linkSecrets: Check = (config) => (config.LINK_SECRETS || config.NODE_ENV === 'production' ? requireLinkSecrets(config) : null);
// `serve` signs the webhook's confirmations only when the webhook is on.
const webhookDkim: Check = (config) => (config.INBOUND_WEBHOOK_SECRET ? dkimSettings(config) : null);
const smtpTls: Check = (config) => inboundTls(config);

const CHECKS = {
  migrate: [],
  tokens: [tokenKeys],
  work: [tokenKeys, digestDkim],
  serve: [linkSecrets, tokenKeys, webhookDkim],
  inbound: [smtpTls, digestDkim],
  // The demo's worker runs under the environment's NODE_ENV and keys.
  demo: [tokenKeys],
} satisfies Record<string, Check[]>;

export type CheckedCommand = keyof typeof CHECKS;

export function checksConfig(command: string): command is CheckedCommand {
  return Object.hasOwn(CHECKS, command);
}

/** Throws one ConfigError naming every variable the command would stop on (the schema's first). */
export function checkStartupConfig(command: CheckedCommand): Config {
  const config = getConfig();
  const issues: ConfigIssue[] = [];
  for (const check of CHECKS[command]) {
    try {
      check(config);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}
