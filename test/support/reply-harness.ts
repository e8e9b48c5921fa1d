/** Sends mail over real SMTP to the inbound listener, as a mail client or a mail server would. */
import nodemailer from 'nodemailer';

export interface ReplyInput {
  port: number;
  from: string;
  to: string;
  subject?: string;
  text: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
  /** The SMTP envelope sender; `''` is the null sender of bounces. */
  envelopeFrom?: string;
}

export async function sendReply(input: ReplyInput): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: input.port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({
      from: input.from,
      to: input.to,
      subject: input.subject ?? 'Re: Reconnect this week',
      text: input.text,
      messageId: input.messageId,
      inReplyTo: input.inReplyTo,
      references: input.references,
      headers: input.headers,
      envelope: { from: input.envelopeFrom ?? input.from.replace(/^.*<|>.*$/g, ''), to: input.to.replace(/^.*<|>.*$/g, '') },
    });
  } finally {
    transport.close();
  }
}
