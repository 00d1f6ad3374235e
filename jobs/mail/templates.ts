import { env } from '../../server/env.ts';
import { deriveToken } from '../../server/lib/tokens.ts';
import type { EmailJob } from '../queues.ts';
import { bookingAttachments, bookingContent } from './bookings.ts';
import { renderHtml, renderText, type EmailContent } from './layout.ts';
import type { OutgoingMail } from './transport.ts';

const minutes = () => Math.round(env.emailTokenTtlSeconds / 60);

function content(job: EmailJob): EmailContent {
  switch (job.template) {
    case 'chat_digest':
      return {
        subject: job.unreadCount === 1 ? `New message from ${job.from} on Lyceum` : `${job.unreadCount} new messages from ${job.from} on Lyceum`,
        greeting: `Hi ${job.name},`,
        paragraphs: [
          job.unreadCount === 1 ? `${job.from} sent you a message while you were away:` : `You have ${job.unreadCount} unread messages from ${job.from}:`,
          ...job.excerpts.map((excerpt) => `${excerpt.from}: ${excerpt.body}`),
        ],
        action: { label: 'Open the conversation', url: `${env.appUrl}/messages/${job.conversationId}` },
        footnote: 'We send at most one email per conversation every few minutes while you have unread messages.',
      };
    case 'booking':
      return bookingContent(job);
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
    case 'tutor_approved':
      return {
        subject: 'Your Lyceum tutor profile is approved',
        greeting: `Hi ${job.name},`,
        paragraphs: [
          'Good news: our team reviewed your tutor profile and approved it.',
          'Students can now find you, book lessons with you and message you.',
        ],
        action: { label: 'See my public profile', url: `${env.appUrl}/tutors/${job.tutorId}` },
      };
    case 'tutor_rejected':
      return {
        subject: 'Your Lyceum tutor profile needs changes',
        greeting: `Hi ${job.name},`,
        paragraphs: [
          'Thank you for applying to teach on Lyceum. Our team reviewed your profile and could not approve it yet, for this reason:',
          job.reason,
          'Update your profile or documents and submit it again whenever you are ready.',
        ],
        action: { label: 'Update my profile', url: `${env.appUrl}/tutor/onboarding` },
      };
  }
}

export function renderEmail(job: EmailJob): OutgoingMail {
  const rendered = content(job);
  const attachments = job.template === 'booking' ? { attachments: bookingAttachments(job) } : {};
  return { to: job.to, subject: rendered.subject, text: renderText(rendered), html: renderHtml(rendered), ...attachments };
}
