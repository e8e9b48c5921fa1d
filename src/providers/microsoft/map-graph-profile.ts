import type { AccountProfile } from '../types.ts';

/** `/me` with the properties rekindle selects. */
export interface GraphUser {
  mail?: string | null;
  userPrincipalName?: string | null;
  proxyAddresses?: string[] | null;
}

export const USER_SELECT = ['mail', 'userPrincipalName', 'proxyAddresses'] as const;

/**
 * The mailbox's addresses: `mail` is the primary one (personal Microsoft accounts may have none:
 * then the sign-in name is); `smtp:` proxy addresses are its aliases (`SMTP:` marks the primary,
 * SIP/X500 entries are not mail). The sign-in name is kept too when it is an address: mail to it
 * reaches the same person. Guest sign-in names (`…#EXT#@tenant`) are not addresses.
 */
export function mapGraphProfile(user: GraphUser): AccountProfile {
  const address = (value: string | null | undefined) => {
    const trimmed = value?.trim().toLowerCase();
    return trimmed && /^[^\s@#]+@[^\s@]+\.[^\s@]+$/.test(trimmed) ? trimmed : null;
  };
  const primaryProxy = (user.proxyAddresses ?? []).find((p) => p.startsWith('SMTP:'))?.slice(5);
  const email = address(user.mail) ?? address(primaryProxy) ?? address(user.userPrincipalName) ?? '';
  const aliases = new Set<string>();
  for (const proxy of user.proxyAddresses ?? []) {
    if (/^smtp:/i.test(proxy)) {
      const alias = address(proxy.slice(5));
      if (alias) aliases.add(alias);
    }
  }
  const upn = address(user.userPrincipalName);
  if (upn) aliases.add(upn);
  aliases.delete(email);
  return { email, aliases: [...aliases] };
}
