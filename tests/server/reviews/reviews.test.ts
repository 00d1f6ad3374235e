// Reviews: the student of a completed booking reviews it once; the tutor's rating changes in the same transaction
// and shows in search and on the profile; the public list is newest first and paged.
import { describe, expect, test } from 'bun:test';
import { client } from '../../support/app.ts';
import { API, approvedTutor, booked, completedBooking, randomWord, sql, student, utcDay } from '../../support/marketplace.ts';
import { ISO_UTC, expectError } from '../accounts/helpers.ts';

describe('POST /bookings/{id}/review', () => {
  test('201 with the review; the rating shows in search, on the profile and in the list; a second review is 409', async () => {
    const subject = `Reviewing ${randomWord()}`;
    const tutor = await approvedTutor({ subjects: [subject] });
    const alice = await student({ name: 'Alice Able' });
    const bob = await student({ name: 'Bob Baker' });
    const first = await completedBooking(alice, tutor, utcDay(3, 10));
    const second = await completedBooking(bob, tutor, utcDay(4, 10));

    const reply = await alice.api.post(`${API}/bookings/${first.id}/review`, { rating: 5, comment: '  Clear and patient.  ' }, { token: alice.token });
    expect(reply.status).toBe(201);
    expect(Object.keys(reply.body).sort()).toEqual(['comment', 'createdAt', 'id', 'rating', 'studentName']);
    expect(reply.body).toMatchObject({ rating: 5, comment: 'Clear and patient.', studentName: 'Alice Able' });
    expect(reply.body.createdAt).toMatch(ISO_UTC);
    expect((await bob.api.post(`${API}/bookings/${second.id}/review`, { rating: 4, comment: 'Good.' }, { token: bob.token })).status).toBe(201);

    const again = await alice.api.post(`${API}/bookings/${first.id}/review`, { rating: 1, comment: 'Changed my mind' }, { token: alice.token });
    expectError(again, 409, 'already_reviewed');

    const anyone = await client();
    const found = await anyone.get(`${API}/tutors?subject=${encodeURIComponent(subject)}`);
    expect(found.body.items[0].rating).toEqual({ average: 4.5, count: 2 });
    const profile = await anyone.get(`${API}/tutors/${tutor.id}`);
    expect(profile.body.rating).toEqual({ average: 4.5, count: 2 });
    const [row] = await sql`select rating_sum, rating_count from tutor_profiles where user_id = ${tutor.id}`;
    expect(row).toEqual({ rating_sum: 9, rating_count: 2 });

    const list = await anyone.get(`${API}/tutors/${tutor.id}/reviews`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((item: any) => [item.studentName, item.rating, item.comment])).toEqual([
      ['Bob Baker', 4, 'Good.'],
      ['Alice Able', 5, 'Clear and patient.'],
    ]);
    for (const item of list.body.items) expect(Object.keys(item).sort()).toEqual(['comment', 'createdAt', 'id', 'rating', 'studentName']);
    expect(list.body.nextCursor).toBeNull();

    const tutorNotifications = await tutor.api.get(`${API}/notifications`, { token: tutor.token });
    expect(tutorNotifications.body.items.some((n: any) => n.title === 'New review')).toBe(true);
  }, 30_000);

  test('409 not_completed before completion; 403 for the tutor; 404 for someone else; 422 for a bad rating', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const mallory = await student();
    const open = await booked(alice, tutor.id, utcDay(3, 10));
    expectError(await alice.api.post(`${API}/bookings/${open.id}/review`, { rating: 5, comment: 'Early' }, { token: alice.token }), 409, 'not_completed');
    const done = await completedBooking(alice, tutor, utcDay(4, 10));
    expectError(await tutor.api.post(`${API}/bookings/${done.id}/review`, { rating: 5, comment: 'Me' }, { token: tutor.token }), 403, 'forbidden');
    expectError(await mallory.api.post(`${API}/bookings/${done.id}/review`, { rating: 5, comment: 'Hi' }, { token: mallory.token }), 404, 'not_found');
    expectError(await alice.api.post(`${API}/bookings/${done.id}/review`, { rating: 0, comment: 'x' }, { token: alice.token }), 422, 'validation_failed', ['rating']);
    expectError(await alice.api.post(`${API}/bookings/${done.id}/review`, { rating: 6, comment: 'x' }, { token: alice.token }), 422, 'validation_failed', ['rating']);
    expectError(await alice.api.post(`${API}/bookings/${done.id}/review`, { rating: 4.5, comment: 'x' }, { token: alice.token }), 422, 'validation_failed', ['rating']);
    expectError(await alice.api.post(`${API}/bookings/${done.id}/review`, { rating: 4 }, { token: alice.token }), 422, 'validation_failed', ['comment']);
    const [row] = await sql`select rating_count from tutor_profiles where user_id = ${tutor.id}`;
    expect(row!.rating_count).toBe(0);
  }, 30_000);

  test('concurrent double submissions store one review and count it once', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const done = await completedBooking(alice, tutor, utcDay(3, 10));
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => alice.api.post(`${API}/bookings/${done.id}/review`, { rating: 3, comment: 'Fine' }, { token: alice.token })),
    );
    expect(replies.filter((reply) => reply.status === 201).length).toBe(1);
    expect(replies.filter((reply) => reply.status === 409).length).toBe(5);
    const [row] = await sql`select rating_sum, rating_count from tutor_profiles where user_id = ${tutor.id}`;
    expect(row).toEqual({ rating_sum: 3, rating_count: 1 });
  }, 30_000);
});

describe('GET /tutors/{id}/reviews', () => {
  test('newest first, paged without repeats; 404 for unknown or unapproved tutors', async () => {
    const tutor = await approvedTutor();
    const students = await Promise.all(Array.from({ length: 5 }, (_, index) => student({ name: `Student ${index}` })));
    for (const [index, person] of students.entries()) {
      const done = await completedBooking(person, tutor, utcDay(3 + index, 10));
      await person.api.post(`${API}/bookings/${done.id}/review`, { rating: 1 + index, comment: `Review ${index}` }, { token: person.token });
    }
    const anyone = await client();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const reply: any = await anyone.get(`${API}/tutors/${tutor.id}/reviews?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.status).toBe(200);
      seen.push(...reply.body.items.map((item: any) => item.comment));
      cursor = reply.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Review 4', 'Review 3', 'Review 2', 'Review 1', 'Review 0']);
    expectError(await anyone.get(`${API}/tutors/${crypto.randomUUID()}/reviews`), 404, 'not_found');
    const someone = await student();
    expectError(await anyone.get(`${API}/tutors/${someone.id}/reviews`), 404, 'not_found');
    expectError(await anyone.get(`${API}/tutors/${tutor.id}/reviews?cursor=zzz`), 400, 'invalid_cursor');
  }, 60_000);
});
