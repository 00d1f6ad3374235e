import { env } from '../../server/env.ts';
import { deriveToken } from '../../server/lib/tokens.ts';
import type { EmailJob } from '../queues.ts';
import { renderHtml, renderText, type EmailContent } from './layout.ts';
import type { OutgoingMail } from './transport.ts';

const minutes = () => Math.round(env.emailTokenTtlSeconds / 60);

function content(job: EmailJob): EmailContent {
  switch (job.template) {
    case 'verify_email': {
      // The token is re-derived from the seed on every attempt: retries send the same, still valid link.
      const token = deriveToken(job.tokenSeed, 'verify_email');
      return {
        subject: 'Verify your email for Lyceum',
        greeting: `Hi ${job.name},`,
        paragraphs: ['Welcome to Lyceum! Please confirm that this is your email address.'],
        action: { label: 'Verify my email', url: `${env.appUrl}/verify-email?token=${token}` },
        footnote: `This link works once and expires in ${minutes()} minutes. If you did not sign up, ignore this email.`,
      };
    }
    case 'reset_password': {
      const token = deriveToken(job.tokenSeed, 'reset_password');
      return {
        subject: 'Reset your Lyceum password',
        greeting: `Hi ${job.name},`,
        paragraphs: ['Someone (hopefully you) asked to reset the password of your Lyceum account.'],
        action: { label: 'Choose a new password', url: `${env.appUrl}/reset-password?token=${token}` },
        footnote: `This link works once and expires in ${minutes()} minutes. If you did not ask for it, you can ignore this email.`,
      };
    }
    case 'password_changed':
      return {
        subject: 'Your Lyceum password was changed',
        greeting: `Hi ${job.name},`,
        paragraphs: [
          'The password of your Lyceum account was just changed, and your other sessions were signed out.',
          'If this was not you, reset your password right away and contact us.',
        ],
        action: { label: 'Reset my password', url: `${env.appUrl}/forgot-password` },
      };
  }
}

export function renderEmail(job: EmailJob): OutgoingMail {
  const rendered = content(job);
  return { to: job.to, subject: rendered.subject, text: renderText(rendered), html: renderHtml(rendered) };
}
