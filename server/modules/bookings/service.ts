/**
 * Bookings: creation inside the tutor's availability, the lifecycle state machine, the price and policy snapshot,
 * and the side effects each step owes (emails with .ics to both sides, in-app notifications, reminders).
 *
 * Double booking is prevented by the database: the exclusion constraint `bookings_no_overlap` holds under any
 * concurrency; the check before the insert only gives the common case a friendly answer. Transitions update a row
 * only while it is still in the state and version that was read (and a trigger refuses illegal ones), so of two
 * racing actions exactly one wins. Side effects are outbox rows and notification rows written in the same
 * transaction (DESIGN rule 6); reminders are outbox rows with `runAt`, and do nothing once the booking moved on.
 */
import { db, type Executor } from '../../../db/client.ts';
import type { BookingEmailJob } from '../../../jobs/queues.ts';
import { env } from '../../env.ts';
import { DomainError, forbidden, invalid, notFound } from '../../errors.ts';
import { decodeCursor, page } from '../../lib/pagination.ts';
import { logger } from '../../logger.ts';
import { assertVerified } from '../../plugins/auth.ts';
import { photoUrl } from '../accounts/service.ts';
import type { Actor } from '../accounts/sessions.ts';
import * as availability from '../availability/service.ts';
import * as chat from '../chat/service.ts';
import type { Interval } from '../availability/slots.ts';
import * as notifications from '../notifications/service.ts';
import * as outbox from '../outbox/service.ts';
import { formatWhen } from './format.ts';
import { renderCalendar } from './ics.ts';
import { priceBooking } from './pricing.ts';
import * as repository from './repository.ts';
import type { BookingRow, BookingStatus, EventRow, Person } from './repository.ts';

/** Confirmed lessons complete on their own this long after their end, unless the tutor did it first. */
export const AUTO_COMPLETE_AFTER_HOURS = 12;
/** Reminders go out this many hours before the start. */
export const REMINDER_LEADS = [24, 1] as const;

export type Money = { amount: number; currency: string };
export type HistoryDto = { at: string; actorId: string | null; from: BookingStatus | null; to: BookingStatus; reason: string | null };
export type ParticipantDto = { id: string; name: string; photoUrl: string | null; timezone: string };
export type BookingDto = {
  id: string;
  tutorId: string;
  studentId: string;
  status: BookingStatus;
  startsAt: string;
  endsAt: string;
  durationMinutes: number;
  subject: string;
  note: string | null;
  price: Money;
  platformFee: Money;
  tutorEarnings: Money;
  refundEligible: boolean | null;
  conversationId: string | null;
  history: HistoryDto[];
  createdAt: string;
  tutor?: ParticipantDto;
  student?: ParticipantDto;
};

// Mapping

function toParticipant(person: Person | undefined, id: string): ParticipantDto {
  return { id, name: person?.name ?? 'Former user', photoUrl: person ? photoUrl(person.id, person.photoPath) : null, timezone: person?.timezone ?? 'UTC' };
}

export function toDto(row: BookingRow, events: EventRow[], people?: Map<string, Person>): BookingDto {
  const dto: BookingDto = {
    id: row.id,
    tutorId: row.tutorId,
    studentId: row.studentId,
    status: row.status,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    durationMinutes: row.durationMinutes,
    subject: row.subject,
    note: row.note,
    price: { amount: row.priceAmount, currency: row.currency },
    platformFee: { amount: row.platformFeeAmount, currency: row.currency },
    tutorEarnings: { amount: row.tutorEarningsAmount, currency: row.currency },
    refundEligible: row.refundEligible,
    conversationId: row.conversationId,
    history: events
      .filter((event) => event.bookingId === row.id)
      .map((event) => ({ at: event.createdAt.toISOString(), actorId: event.actorId, from: event.fromStatus, to: event.toStatus, reason: event.reason })),
    createdAt: row.createdAt.toISOString(),
  };
  if (people) {
    dto.tutor = toParticipant(people.get(row.tutorId), row.tutorId);
    dto.student = toParticipant(people.get(row.studentId), row.studentId);
  }
  return dto;
}

// Errors

const slotTaken = () => new DomainError('slot_taken', 'That time overlaps another booking of this tutor');
const outsideAvailability = () =>
  new DomainError('outside_availability', "That time is not one of the tutor's bookable slots (availability, minimum notice and horizon)", {
    startsAt: 'is not a bookable slot start',
  });
const wrongState = (status: BookingStatus, action: string) => new DomainError('invalid_transition', `A ${status} booking cannot be ${action}`);

// Access

type Side = 'tutor' | 'student' | 'admin';

/** The caller's side of the booking; non-participants (other than admins) are told it does not exist. */
function sideOf(row: BookingRow | undefined, actor: Actor): Side {
  if (!row) throw notFound('Booking');
  if (row.tutorId === actor.id) return 'tutor';
  if (row.studentId === actor.id) return 'student';
  if (actor.role === 'admin') return 'admin';
  throw notFound('Booking');
}

// Side effects

type Pending = { outboxIds: string[]; notificationIds: string[] };

async function afterCommit(pending: Pending): Promise<void> {
  await Promise.all([outbox.relay(pending.outboxIds), notifications.push(pending.notificationIds)]);
}

type EmailEvent = BookingEmailJob['event'];

function emailTo(event: EmailEvent, row: BookingRow, role: 'student' | 'tutor', people: Map<string, Person>, extra: Partial<BookingEmailJob>): outbox.Owed<'email'> | null {
  const recipient = people.get(role === 'tutor' ? row.tutorId : row.studentId);
  const other = people.get(role === 'tutor' ? row.studentId : row.tutorId);
  if (!recipient) return null;
  const payload: BookingEmailJob = {
    template: 'booking',
    event,
    to: recipient.email,
    name: recipient.name,
    timezone: recipient.timezone,
    role,
    otherName: other?.name ?? 'your lesson partner',
    bookingId: row.id,
    subject: row.subject,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    sequence: row.version,
    ...extra,
  };
  return { queue: 'email', name: `booking_${event}`, payload, subjectId: recipient.id };
}

function reminderRows(row: BookingRow, nowMs: number): outbox.Owed<'bookings'>[] {
  return REMINDER_LEADS.map((lead) => ({ lead, runAt: new Date(row.startsAt.getTime() - lead * 3600_000) }))
    .filter(({ runAt }) => runAt.getTime() > nowMs)
    .map(({ lead, runAt }) => ({
      queue: 'bookings' as const,
      name: 'reminder',
      payload: { kind: 'reminder' as const, bookingId: row.id, version: row.version, startsAt: row.startsAt.toISOString(), lead },
      runAt,
      subjectId: row.id,
    }));
}

type Notice = { title: string; body: (when: string, person: Person | undefined, other: Person | undefined) => string };

const NOTICES: Record<Exclude<EmailEvent, 'reminder'> | 'completed', Notice> = {
  requested: { title: 'New lesson request', body: (when, _, other) => `${other?.name ?? 'A student'} asked for a lesson on ${when}. Confirm or decline it.` },
  confirmed: { title: 'Lesson confirmed', body: (when, _, other) => `${other?.name ?? 'Your tutor'} confirmed your lesson on ${when}.` },
  declined: { title: 'Lesson request declined', body: (when, _, other) => `${other?.name ?? 'The tutor'} declined your lesson request for ${when}.` },
  cancelled: { title: 'Lesson cancelled', body: (when) => `The lesson on ${when} was cancelled.` },
  rescheduled: { title: 'Lesson rescheduled', body: (when) => `Your lesson was moved to ${when}.` },
  completed: { title: 'Lesson completed', body: (when, _, other) => `Your lesson with ${other?.name ?? 'your tutor'} on ${when} is complete. How was it? Leave a review.` },
};

/**
 * Writes what a booking event owes, in the caller's transaction: emails to both sides (with .ics), an in-app
 * notification to `notify` (the side that did not act), and reminders when the booking is confirmed.
 */
async function owe(
  tx: Executor,
  event: EmailEvent | 'completed',
  row: BookingRow,
  options: { notify: Array<'student' | 'tutor'>; email: boolean; reminders: boolean; extra?: Partial<BookingEmailJob>; nowMs: number; people?: Map<string, Person> },
): Promise<Pending> {
  const people = options.people ?? (await repository.findPeople([row.tutorId, row.studentId], tx));
  const effects: outbox.Owed[] = [];
  if (options.email && event !== 'completed') {
    for (const role of ['student', 'tutor'] as const) {
      const mail = emailTo(event, row, role, people, options.extra ?? {});
      if (mail) effects.push(mail);
    }
  }
  if (options.reminders) effects.push(...reminderRows(row, options.nowMs));
  const notice = NOTICES[event as keyof typeof NOTICES];
  const items: notifications.NewNotification[] = notice
    ? options.notify.map((role) => {
        const person = people.get(role === 'tutor' ? row.tutorId : row.studentId);
        const other = people.get(role === 'tutor' ? row.studentId : row.tutorId);
        return {
          userId: role === 'tutor' ? row.tutorId : row.studentId,
          category: 'booking' as const,
          title: notice.title,
          body: notice.body(formatWhen(row.startsAt, person?.timezone ?? 'UTC'), person, other),
          data: { bookingId: row.id, status: row.status, startsAt: row.startsAt.toISOString() },
          dedupeKey: `booking:${row.id}:${row.version}:${event}:${role}`,
        };
      })
    : [];
  const [outboxIds, notificationIds] = await Promise.all([outbox.owe(tx, effects), notifications.notify(tx, items)]);
  return { outboxIds, notificationIds };
}

// Chat

/**
 * Links the pair's direct conversation (one per pair, created when needed). Best effort, after commit: a booking
 * never fails because chat did; a later read retries.
 */
async function linkConversation(row: BookingRow): Promise<BookingRow> {
  if (row.conversationId) return row;
  try {
    const { id } = await chat.ensureDirectConversation(row.studentId, row.tutorId);
    await repository.setConversation(row.id, id);
    return { ...row, conversationId: id };
  } catch (error) {
    logger.warn({ bookingId: row.id, err: (error as Error).message }, 'could not link the booking to a conversation');
    return row;
  }
}

/** The pair's conversation id, or null when chat fails (the booking goes ahead; a later read links it). */
async function conversationOf(studentId: string, tutorId: string): Promise<string | null> {
  try {
    return (await chat.ensureDirectConversation(studentId, tutorId)).id;
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'could not open the conversation for a booking');
    return null;
  }
}

// Two people who share a booking may open a direct conversation (the chat module asks through this hook).
chat.registerConversationPermission((userA, userB) => repository.shareABooking(userA, userB));

// Reads

export async function activeIntervals(tutorId: string, fromMs: number, toMs: number): Promise<Interval[]> {
  const rows = await repository.findActiveOverlapping(tutorId, new Date(fromMs), new Date(toMs));
  return rows.map((row) => [row.startsAt.getTime(), row.endsAt.getTime()]);
}

async function withDetails(rows: BookingRow[], expand: boolean): Promise<BookingDto[]> {
  const ids = rows.map((row) => row.id);
  const [events, people] = await Promise.all([
    repository.eventsFor(ids),
    expand ? repository.findPeople(rows.flatMap((row) => [row.tutorId, row.studentId])) : Promise.resolve(undefined),
  ]);
  return rows.map((row) => toDto(row, events, people));
}

export async function getBooking(input: { actor: Actor; id: string; expand?: boolean }): Promise<BookingDto> {
  let row = await repository.findById(input.id);
  sideOf(row, input.actor);
  row = await linkConversation(row!);
  return (await withDetails([row], input.expand ?? false))[0]!;
}

export async function listBookings(input: {
  actor: Actor;
  as?: 'student' | 'tutor';
  status?: BookingStatus;
  limit: number;
  cursor?: string;
  expand?: boolean;
}): Promise<{ items: BookingDto[]; nextCursor: string | null }> {
  const after = decodeCursor(input.cursor, ['string', 'string']);
  if (after && (Number.isNaN(Date.parse(after[0] as string)) || !/^[0-9a-f-]{36}$/i.test(after[1] as string))) {
    throw new DomainError('invalid_cursor', 'The cursor is not valid for this list', { cursor: 'is unknown or malformed' });
  }
  const rows = await repository.list({
    userId: input.actor.id,
    as: input.as,
    status: input.status,
    after: after ? { startsAt: after[0] as string, id: after[1] as string } : undefined,
    limit: input.limit,
  });
  const result = page(rows, input.limit, (row) => [row.startsAt.toISOString(), row.id]);
  return { items: await withDetails(result.items, input.expand ?? false), nextCursor: result.nextCursor };
}

// Creation

export type CreateBookingInput = { tutorId: string; startsAt: string; durationMinutes: number; subject: string; note?: string | null };

export async function createBooking(input: { actor: Actor; booking: CreateBookingInput; now?: Date }): Promise<BookingDto> {
  const { actor, booking } = input;
  assertVerified(actor);
  const nowMs = (input.now ?? new Date()).getTime();
  const startMs = availability.parseInstant(booking.startsAt);
  if (startMs === null) throw invalid({ startsAt: 'must be an ISO 8601 instant such as 2026-03-02T09:00:00Z' });
  const subject = booking.subject.trim().replace(/\s+/g, ' ');
  if (!subject) throw invalid({ subject: 'must not be blank' });
  const [tutor, schedule] = await Promise.all([availability.bookableTutor(booking.tutorId), availability.loadSchedule(booking.tutorId)]);
  if (!tutor) throw notFound('Tutor');
  if (booking.tutorId === actor.id) throw invalid({ tutorId: 'cannot be yourself' });
  if (!schedule || !availability.fitsSchedule(schedule, startMs, booking.durationMinutes, nowMs)) throw outsideAvailability();

  const startsAt = new Date(startMs);
  const endsAt = new Date(startMs + booking.durationMinutes * 60_000);
  // The friendly answer for the common case; under a race the exclusion constraint answers instead.
  if ((await repository.findActiveOverlapping(booking.tutorId, startsAt, endsAt)).length > 0) throw slotTaken();

  const money = priceBooking(tutor.hourlyRateAmount, booking.durationMinutes, env.platformFeePercent);
  // The pair's conversation first (its own transaction; harmless if the booking then loses a race), so the
  // booking is stored with it.
  const [conversationId, people] = await Promise.all([conversationOf(actor.id, booking.tutorId), repository.findPeople([booking.tutorId, actor.id])]);
  let created: { row: BookingRow; pending: Pending };
  try {
    created = await repository.inTransaction(async (tx) => {
      const row = await repository.insert(tx, {
        conversationId,
        tutorId: booking.tutorId,
        studentId: actor.id,
        status: 'requested',
        startsAt,
        endsAt,
        durationMinutes: booking.durationMinutes,
        subject,
        note: booking.note?.trim() || null,
        currency: tutor.hourlyRateCurrency,
        hourlyRateAmount: tutor.hourlyRateAmount,
        priceAmount: money.price,
        platformFeePercent: env.platformFeePercent,
        platformFeeAmount: money.fee,
        tutorEarningsAmount: money.earnings,
        cancellationCutoffHours: schedule.cancellationCutoffHours,
      });
      const [, pending] = await Promise.all([
        repository.insertEvents(tx, [{ bookingId: row.id, actorId: actor.id, fromStatus: null, toStatus: 'requested', startsAt }]),
        owe(tx, 'requested', row, { notify: ['tutor'], email: true, reminders: false, nowMs, people }),
      ]);
      return { row, pending };
    });
  } catch (error) {
    if (repository.isOverlap(error)) throw slotTaken();
    throw error;
  }
  await afterCommit(created.pending);
  const row = await linkConversation(created.row);
  return toDto(row, [
    { id: row.id, bookingId: row.id, actorId: actor.id, fromStatus: null, toStatus: 'requested', reason: null, startsAt, createdAt: row.createdAt },
  ]);
}

// Transitions

type Action = 'confirm' | 'decline' | 'cancel' | 'complete';

const ACTIONS: Record<Action, { from: BookingStatus[]; to: BookingStatus; tutorOnly: boolean; verb: string }> = {
  confirm: { from: ['requested'], to: 'confirmed', tutorOnly: true, verb: 'confirmed' },
  decline: { from: ['requested'], to: 'declined', tutorOnly: true, verb: 'declined' },
  cancel: { from: ['requested', 'confirmed'], to: 'cancelled', tutorOnly: false, verb: 'cancelled' },
  complete: { from: ['confirmed'], to: 'completed', tutorOnly: true, verb: 'completed' },
};

/** A student keeps the right to a refund when cancelling at least the booked cutoff before the start. */
export function studentRefundEligible(row: Pick<BookingRow, 'startsAt' | 'cancellationCutoffHours'>, nowMs: number): boolean {
  return nowMs <= row.startsAt.getTime() - row.cancellationCutoffHours * 3600_000;
}

async function transition(input: { actor: Actor; id: string; action: Action; reason?: string | null; now?: Date }): Promise<BookingDto> {
  const nowMs = (input.now ?? new Date()).getTime();
  const rule = ACTIONS[input.action];
  const current = await repository.findById(input.id);
  const side = sideOf(current, input.actor);
  const row = current!;
  if (rule.tutorOnly && side !== 'tutor') throw forbidden(`Only the tutor can ${input.action} a booking`);
  if (!rule.tutorOnly && side === 'admin' && input.action !== 'cancel') throw forbidden();
  if (!rule.from.includes(row.status)) throw wrongState(row.status, rule.verb);
  if (input.action === 'complete' && nowMs < row.endsAt.getTime()) {
    throw new DomainError('lesson_not_over', 'A lesson can be completed only after it ends');
  }
  const refundEligible = input.action === 'cancel' ? (side === 'student' ? studentRefundEligible(row, nowMs) : true) : undefined;
  const reason = input.reason?.trim() || null;

  let done: { row: BookingRow; pending: Pending };
  try {
    done = await db.transaction(async (tx) => {
      const updated = await repository.updateIfCurrent(tx, row, refundEligible === undefined ? { status: rule.to } : { status: rule.to, refundEligible });
      // Someone else changed it between our read and our update: whatever they did, this action no longer applies as asked.
      if (!updated) throw wrongState((await repository.findById(row.id, tx))?.status ?? row.status, rule.verb);
      await repository.insertEvents(tx, [{ bookingId: row.id, actorId: input.actor.id, fromStatus: row.status, toStatus: rule.to, reason, startsAt: updated.startsAt }]);
      const other: Array<'student' | 'tutor'> = side === 'admin' ? ['student', 'tutor'] : [side === 'tutor' ? 'student' : 'tutor'];
      const pending =
        input.action === 'complete'
          ? await owe(tx, 'completed', updated, { notify: ['student'], email: false, reminders: false, nowMs })
          : await owe(tx, rule.to as EmailEvent, updated, {
              notify: other,
              email: true,
              reminders: rule.to === 'confirmed',
              nowMs,
              extra: { reason, refundEligible: updated.refundEligible },
            });
      return { row: updated, pending };
    });
  } catch (error) {
    if (repository.isIllegalTransition(error)) throw wrongState(row.status, rule.verb);
    throw error;
  }
  await afterCommit(done.pending);
  return (await withDetails([done.row], false))[0]!;
}

export const confirm = (input: { actor: Actor; id: string; now?: Date }) => transition({ ...input, action: 'confirm' });
export const decline = (input: { actor: Actor; id: string; reason?: string | null; now?: Date }) => transition({ ...input, action: 'decline' });
export const cancel = (input: { actor: Actor; id: string; reason?: string | null; now?: Date }) => transition({ ...input, action: 'cancel' });
export const complete = (input: { actor: Actor; id: string; now?: Date }) => transition({ ...input, action: 'complete' });

export async function reschedule(input: { actor: Actor; id: string; startsAt: string; now?: Date }): Promise<BookingDto> {
  const nowMs = (input.now ?? new Date()).getTime();
  const current = await repository.findById(input.id);
  const side = sideOf(current, input.actor);
  const row = current!;
  if (side === 'admin') throw forbidden('Only the participants can reschedule a booking');
  if (!repository.ACTIVE.includes(row.status)) throw wrongState(row.status, 'rescheduled');
  if (nowMs > row.startsAt.getTime() - row.cancellationCutoffHours * 3600_000) {
    throw new DomainError('cutoff_passed', `Bookings can be rescheduled until ${row.cancellationCutoffHours} hours before the start`);
  }
  const startMs = availability.parseInstant(input.startsAt);
  if (startMs === null) throw invalid({ startsAt: 'must be an ISO 8601 instant such as 2026-03-02T09:00:00Z' });
  if (startMs === row.startsAt.getTime()) return (await withDetails([row], false))[0]!;
  const schedule = await availability.loadSchedule(row.tutorId);
  if (!schedule || !availability.fitsSchedule(schedule, startMs, row.durationMinutes, nowMs)) throw outsideAvailability();
  const startsAt = new Date(startMs);
  const endsAt = new Date(startMs + row.durationMinutes * 60_000);
  if ((await repository.findActiveOverlapping(row.tutorId, startsAt, endsAt, { exceptId: row.id })).length > 0) throw slotTaken();

  let done: { row: BookingRow; pending: Pending };
  try {
    done = await repository.inTransaction(async (tx) => {
      const updated = await repository.updateIfCurrent(tx, row, { startsAt, endsAt });
      if (!updated) throw new DomainError('invalid_transition', 'The booking changed meanwhile; reload it and try again');
      const reason = `Rescheduled from ${row.startsAt.toISOString()} to ${startsAt.toISOString()}`;
      await repository.insertEvents(tx, [{ bookingId: row.id, actorId: input.actor.id, fromStatus: row.status, toStatus: updated.status, reason, startsAt }]);
      const pending = await owe(tx, 'rescheduled', updated, {
        notify: [side === 'tutor' ? 'student' : 'tutor'],
        email: true,
        reminders: updated.status === 'confirmed',
        nowMs,
        extra: { previousStartsAt: row.startsAt.toISOString() },
      });
      return { row: updated, pending };
    });
  } catch (error) {
    if (repository.isOverlap(error)) throw slotTaken();
    throw error;
  }
  await afterCommit(done.pending);
  return (await withDetails([done.row], false))[0]!;
}

// Calendar

export function calendarOf(row: BookingRow, people: Map<string, Person>, method: 'PUBLISH' | 'REQUEST' | 'CANCEL' = 'PUBLISH'): string {
  const tutor = people.get(row.tutorId);
  const student = people.get(row.studentId);
  const cancelled = row.status === 'cancelled' || row.status === 'declined' || method === 'CANCEL';
  return renderCalendar({
    uid: `${row.id}@lyceum`,
    sequence: row.version,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    summary: `${row.subject} lesson: ${tutor?.name ?? 'tutor'} and ${student?.name ?? 'student'}`,
    description: `Lyceum lesson (${row.durationMinutes} minutes). Status: ${row.status}.${row.note ? ` Note: ${row.note}` : ''}`,
    url: `${env.appUrl}/bookings?id=${row.id}`,
    status: cancelled ? 'CANCELLED' : row.status === 'requested' ? 'TENTATIVE' : 'CONFIRMED',
    method,
  });
}

export async function calendar(input: { actor: Actor; id: string }): Promise<string> {
  const row = await repository.findById(input.id);
  sideOf(row, input.actor);
  return calendarOf(row!, await repository.findPeople([row!.tutorId, row!.studentId]));
}

// Jobs

/**
 * A reminder job. Acts only if the booking is still confirmed at the version and start the reminder was
 * scheduled for: a reschedule or cancellation makes every older reminder a no-op. Running twice is harmless:
 * the notifications' dedupe keys tell a repeat, and then no email is owed again.
 */
export async function remind(payload: { bookingId: string; version: number; startsAt: string; lead: number }, now: Date = new Date()): Promise<'sent' | 'stale' | 'repeat'> {
  const result = await db.transaction(async (tx) => {
    const row = await repository.findById(payload.bookingId, tx);
    if (!row || row.status !== 'confirmed' || row.version !== payload.version || row.startsAt.toISOString() !== payload.startsAt) return 'stale' as const;
    if (row.startsAt.getTime() <= now.getTime()) return 'stale' as const;
    const people = await repository.findPeople([row.tutorId, row.studentId], tx);
    const items = (['student', 'tutor'] as const).map((role) => {
      const person = people.get(role === 'tutor' ? row.tutorId : row.studentId);
      const other = people.get(role === 'tutor' ? row.studentId : row.tutorId);
      return {
        userId: role === 'tutor' ? row.tutorId : row.studentId,
        category: 'reminder' as const,
        title: payload.lead >= 24 ? 'Lesson tomorrow' : `Lesson in ${payload.lead} hour${payload.lead === 1 ? '' : 's'}`,
        body: `Your ${row.subject} lesson with ${other?.name ?? 'your lesson partner'} starts ${formatWhen(row.startsAt, person?.timezone ?? 'UTC')}.`,
        data: { bookingId: row.id, startsAt: row.startsAt.toISOString(), lead: payload.lead },
        dedupeKey: `reminder:${row.id}:${row.version}:${payload.lead}:${role}`,
      };
    });
    const notificationIds = await notifications.notify(tx, items);
    if (notificationIds.length === 0) return 'repeat' as const;
    const mails = (['student', 'tutor'] as const).map((role) => emailTo('reminder', row, role, people, { lead: payload.lead })).filter((mail) => mail !== null);
    const outboxIds = await outbox.owe(tx, mails);
    return { outboxIds, notificationIds };
  });
  if (typeof result === 'string') return result;
  await afterCommit(result);
  return 'sent';
}

/**
 * Completes confirmed lessons that ended AUTO_COMPLETE_AFTER_HOURS ago (a repeatable job). Idempotent: each
 * row is completed only while still confirmed at the version read.
 */
export async function completeOverdue(input: { now?: Date; limit?: number } = {}): Promise<number> {
  const now = input.now ?? new Date();
  const rows = await repository.findOverdue(new Date(now.getTime() - AUTO_COMPLETE_AFTER_HOURS * 3600_000), input.limit ?? 200);
  let completed = 0;
  for (const row of rows) {
    const pending = await db.transaction(async (tx) => {
      const updated = await repository.updateIfCurrent(tx, row, { status: 'completed' });
      if (!updated) return null;
      await repository.insertEvents(tx, [
        { bookingId: row.id, actorId: null, fromStatus: 'confirmed', toStatus: 'completed', reason: `Completed automatically ${AUTO_COMPLETE_AFTER_HOURS} hours after the end`, startsAt: row.startsAt },
      ]);
      return owe(tx, 'completed', updated, { notify: ['student'], email: false, reminders: false, nowMs: now.getTime() });
    });
    if (pending) {
      completed += 1;
      await afterCommit(pending);
    }
  }
  return completed;
}

/** For reviews: the booking's parties, subject and status (no access check: the caller decides). */
export async function findBookingForReview(id: string): Promise<Pick<BookingRow, 'id' | 'tutorId' | 'studentId' | 'status' | 'subject'> | undefined> {
  return repository.findById(id);
}
