/**
 * Booking emails: each recipient sees the lesson in their own time zone, and gets an RFC 5545 .ics with the
 * booking's stable UID and current SEQUENCE (METHOD:CANCEL when the lesson will not happen).
 */
import { env } from '../../server/env.ts';
import { formatRange, formatWhen } from '../../server/modules/bookings/format.ts';
import { renderCalendar } from '../../server/modules/bookings/ics.ts';
import type { BookingEmailJob } from '../queues.ts';
import type { EmailContent } from './layout.ts';
import type { MailAttachment } from './transport.ts';

function lessonLine(job: BookingEmailJob): string {
  return `${job.subject}, ${formatRange(job.startsAt, job.endsAt, job.timezone)}.`;
}

export function bookingContent(job: BookingEmailJob): EmailContent {
  const other = job.otherName;
  const asStudent = job.role === 'student';
  const action = { label: 'Open my bookings', url: `${env.appUrl}/bookings?id=${job.bookingId}` };
  const reason = job.reason ? [`Reason given: ${job.reason}`] : [];
  const greeting = `Hi ${job.name},`;
  switch (job.event) {
    case 'requested':
      return asStudent
        ? { subject: `Lesson request sent to ${other}`, greeting, paragraphs: [`You asked ${other} for a lesson:`, lessonLine(job), `${other} will confirm or decline it; we will email you either way.`], action }
        : { subject: `New lesson request from ${other}`, greeting, paragraphs: [`${other} would like a lesson with you:`, lessonLine(job), 'Please confirm or decline it.'], action };
    case 'confirmed':
      return { subject: `Lesson confirmed: ${job.subject} with ${other}`, greeting, paragraphs: [asStudent ? `${other} confirmed your lesson:` : `You confirmed the lesson with ${other}:`, lessonLine(job), 'The attached calendar file adds it to your calendar.'], action };
    case 'declined':
      return { subject: asStudent ? `${other} declined your lesson request` : `You declined ${other}'s lesson request`, greeting, paragraphs: [asStudent ? `${other} could not take this lesson:` : 'You declined this lesson request:', lessonLine(job), ...reason], action };
    case 'cancelled': {
      const refund = asStudent && job.refundEligible !== undefined && job.refundEligible !== null ? [job.refundEligible ? 'You are eligible for a refund.' : 'This cancellation came after the cutoff, so it is not eligible for a refund.'] : [];
      return { subject: `Lesson cancelled: ${job.subject} with ${other}`, greeting, paragraphs: ['This lesson was cancelled:', lessonLine(job), ...reason, ...refund], action };
    }
    case 'rescheduled':
      return {
        subject: `Lesson moved: ${job.subject} with ${other}`,
        greeting,
        paragraphs: [
          'Your lesson has a new time:',
          lessonLine(job),
          ...(job.previousStartsAt ? [`It was planned for ${formatWhen(job.previousStartsAt, job.timezone)}.`] : []),
        ],
        action,
      };
    case 'reminder':
      return {
        subject: `Reminder: ${job.subject} with ${other} ${job.lead && job.lead >= 24 ? 'tomorrow' : `in ${job.lead ?? 1} hour${job.lead === 1 ? '' : 's'}`}`,
        greeting,
        paragraphs: [`Your lesson with ${other} is coming up:`, lessonLine(job)],
        action,
      };
  }
}

export function bookingAttachments(job: BookingEmailJob): MailAttachment[] {
  const cancelled = job.event === 'cancelled' || job.event === 'declined';
  const method = cancelled ? 'CANCEL' : 'REQUEST';
  const ics = renderCalendar({
    uid: `${job.bookingId}@lyceum`,
    sequence: job.sequence,
    startsAt: new Date(job.startsAt),
    endsAt: new Date(job.endsAt),
    summary: `${job.subject} lesson with ${job.otherName}`,
    description: `Lyceum lesson. Manage it at ${env.appUrl}/bookings?id=${job.bookingId}`,
    url: `${env.appUrl}/bookings?id=${job.bookingId}`,
    status: cancelled ? 'CANCELLED' : job.event === 'requested' ? 'TENTATIVE' : 'CONFIRMED',
    organizer: { name: 'Lyceum', email: env.mailFrom.replace(/^.*<([^>]+)>.*$/, '$1') },
    attendees: [{ name: job.name, email: job.to }],
    method,
  });
  return [{ filename: cancelled ? 'cancel.ics' : 'lesson.ics', content: ics, contentType: `text/calendar; charset=utf-8; method=${method}` }];
}
