/**
 * A spam complaint as a mailbox provider's feedback loop sends it (ARF, RFC 5965): a
 * multipart/report whose last part carries the headers of the digest complained about.
 */
import { randomUUID } from 'node:crypto';

export function arfComplaint(options: { inboundDomain: string; digestFrom: string; digestTo: string; digestMessageId: string }): string {
  return [
    'From: Feedback Loop <fbl@isp.example>',
    `To: postmaster@${options.inboundDomain}`,
    'Subject: FW: complaint',
    `Message-ID: <${randomUUID()}@isp.example>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'This is an email abuse report.',
    '--b1',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: SomeISP/1.0',
    'Version: 1',
    '--b1',
    'Content-Type: text/rfc822-headers',
    '',
    `From: ${options.digestFrom}`,
    `To: ${options.digestTo}`,
    `Message-ID: ${options.digestMessageId}`,
    'Subject: Reconnect this week',
    '--b1--',
    '',
  ].join('\r\n');
}
