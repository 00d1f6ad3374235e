import nodemailer, { type Transporter } from 'nodemailer';
import { env } from '../../server/env.ts';

export type MailAttachment = { filename: string; content: string; contentType: string };
export type OutgoingMail = { to: string; subject: string; text: string; html: string; attachments?: MailAttachment[] };

/** Sends over SMTP_URL. The transport pools connections; one per worker process. */
let transport: Transporter | null = null;

export async function sendMail(mail: OutgoingMail): Promise<void> {
  transport ??= nodemailer.createTransport(env.smtpUrl, { from: env.mailFrom });
  await transport.sendMail({ from: env.mailFrom, ...mail });
}

export function closeMail(): void {
  transport?.close();
  transport = null;
}
