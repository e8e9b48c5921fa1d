import { ImapFlow } from 'imapflow';
import type { ImapServerSettings } from '../db/schema.ts';
import { listFollowedFolders } from '../providers/imap/imap-folders.ts';
import { imapClientOptions } from '../providers/imap/imap-session.ts';
import { describeImapFailure, type ImapFailure } from '../providers/imap/map-imap-error.ts';
import { resolveAllowedAddress, type NetworkPolicy } from '../security/network-guard.ts';

export type ImapCheck = { ok: true; folders: { sent: number; inbox: number; other: number } } | ({ ok: false } & ImapFailure);

/**
 * Signs in to an IMAP server once, before anything is saved: the person learns at once whether
 * the host, the port, the app password and the certificate are right, in words they can act on
 * (map-imap-error.ts), and what rekindle would read (its folders by role). Nothing is fetched.
 *
 * The server is named by whoever fills in the form, so with `network` (the web app passes the
 * operator's policy) its name is resolved and checked first, and the connection goes to the
 * checked address (src/security/network-guard.ts). A server that cannot be reached is said in
 * one sentence whatever the cause (refused, filtered, timed out), so the form tells no more
 * about a port than the person needs to fix their settings.
 */
export async function checkImapMailbox(
  server: ImapServerSettings,
  password: string,
  options: { timeoutMs?: number; network?: NetworkPolicy } = {},
): Promise<ImapCheck> {
  const invalid = invalidSettings(server);
  if (invalid) return { ok: false, reason: 'server_error', message: invalid };
  let connectTo: string | undefined;
  if (options.network) {
    try {
      connectTo = (await resolveAllowedAddress(server.host, options.network)).address;
    } catch (error) {
      return { ok: false, ...coarse(describeImapFailure(error, server), server) };
    }
  }
  const client = new ImapFlow(imapClientOptions({ server, password }, options.timeoutMs ?? 15_000, connectTo));
  client.on('error', () => {});
  try {
    await client.connect();
    const folders = await listFollowedFolders(client);
    await client.logout();
    const count = (role: string) => folders.filter((f) => f.role === role).length;
    return { ok: true, folders: { sent: count('sent'), inbox: count('inbox'), other: count('other') } };
  } catch (error) {
    client.close();
    return { ok: false, ...coarse(describeImapFailure(error, server), server) };
  }
}

/** Refused, filtered, timed out, no such name, dropped: one answer, without the network's error code. */
function coarse(failure: ImapFailure, server: ImapServerSettings): ImapFailure {
  if (failure.reason !== 'unreachable' && failure.reason !== 'connection_lost') return failure;
  return {
    reason: 'unreachable',
    message: `${server.host}:${server.port} cannot be reached. Check the server name and port (IMAP is usually 993 with TLS, or 143 with STARTTLS), or try again later.`,
  };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/i;

/** Settings no server could accept, or that would send the password in the clear over a network. */
export function invalidSettings(server: ImapServerSettings): string | null {
  if (!/^[a-z0-9.-]+$|^\[?[0-9a-f:.]+\]?$/i.test(server.host)) return 'The server name is not a host name.';
  if (!Number.isInteger(server.port) || server.port < 1 || server.port > 65_535) return 'The port is a number from 1 to 65535.';
  if (!server.user.trim()) return 'The user name is missing.';
  if (server.security === 'none' && !LOOPBACK.test(server.host)) {
    return 'Without TLS the password would cross the network in the clear; choose TLS or STARTTLS (only a server on this machine, such as Proton Mail Bridge, may go without).';
  }
  return null;
}
