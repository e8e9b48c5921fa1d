/**
 * What the person reads once their account is deleted: that everything is gone, and where to
 * withdraw by hand any access rekindle could not withdraw itself.
 */
import { ACCESS_PAGES, type WithdrawOutcome } from '../../accounts/withdraw-access.ts';
import { PROVIDER_LABEL } from '../web-deps.ts';

export function accountDeletedText(outcomes: { provider: string; outcome: WithdrawOutcome }[]): string {
  const leftOpen = [...new Set(outcomes.filter((o) => o.outcome === 'failed' || o.outcome === 'not-offered').map((o) => o.provider))];
  // An IMAP server cannot be asked to forget a password: the person revokes the app password themselves.
  const steps = leftOpen.flatMap((p) =>
    !Object.hasOwn(ACCESS_PAGES, p)
      ? []
      : p === 'imap'
        ? [`for your IMAP mailbox, ${ACCESS_PAGES.imap}`]
        : [`at ${PROVIDER_LABEL[p] ?? p}: ${ACCESS_PAGES[p]}`],
  );
  const advice = steps.length
    ? ` To withdraw its access as well: ${steps.join('; ')}.`
    : outcomes.length
      ? ' Its access to your mailbox is withdrawn.'
      : '';
  return `Everything rekindle held about you is gone.${advice}`;
}
