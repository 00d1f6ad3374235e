// Booking money and the policy snapshot: price = rate x minutes / 60 half-up, fee = PLATFORM_FEE_PERCENT of the
// price half-up, earnings = price - fee; later rate or policy changes never alter an existing booking.
import { describe, expect, test } from 'bun:test';
import { env } from '../../../server/env.ts';
import { divideHalfUp, priceBooking } from '../../../server/modules/bookings/pricing.ts';
import { API, HOUR, act, approvedTutor, booked, setPolicy, shiftBooking, sql, student, utcDay } from '../../support/marketplace.ts';

describe('pricing arithmetic', () => {
  test('half-up division in integers', () => {
    expect(divideHalfUp(5, 2)).toBe(3);
    expect(divideHalfUp(4, 2)).toBe(2);
    expect(divideHalfUp(7, 4)).toBe(2);
    expect(divideHalfUp(5, 4)).toBe(1);
    expect(divideHalfUp(0, 60)).toBe(0);
    expect(divideHalfUp(150_075, 60)).toBe(2501);
    expect(() => divideHalfUp(1.5, 2)).toThrow();
    expect(() => divideHalfUp(-1, 2)).toThrow();
  });

  test('odd amounts where half-up decides', () => {
    // 2501 x 30 / 60 = 1250.5 -> 1251; 15 % of 1251 = 187.65 -> 188; earnings 1063.
    expect(priceBooking(2501, 30, 15)).toEqual({ price: 1251, fee: 188, earnings: 1063 });
    // 3333 x 45 / 60 = 2499.75 -> 2500; 15 % = 375.
    expect(priceBooking(3333, 45, 15)).toEqual({ price: 2500, fee: 375, earnings: 2125 });
    // 1010 x 15 % = 151.5 -> 152 (the fee's own half).
    expect(priceBooking(1010, 60, 15)).toEqual({ price: 1010, fee: 152, earnings: 858 });
    // 999 x 75 / 60 = 1248.75 -> 1249; 15 % = 187.35 -> 187.
    expect(priceBooking(999, 75, 15)).toEqual({ price: 1249, fee: 187, earnings: 1062 });
    // Zero-decimal currencies are the same arithmetic in their minor unit (JPY: yen).
    expect(priceBooking(5001, 30, 10)).toEqual({ price: 2501, fee: 250, earnings: 2251 });
    for (const [rate, minutes] of [[1, 30], [7, 45], [123_457, 240], [1_000_000_000, 240]] as const) {
      const { price, fee, earnings } = priceBooking(rate, minutes, 15);
      expect(price + 0).toBe(Math.round((rate * minutes) / 60 + 1e-9));
      expect(fee + earnings).toBe(price);
    }
  });
});

describe('the booking snapshot', () => {
  test('an odd amount through the API: price, fee and earnings rounded half-up in the tutor currency', async () => {
    const tutor = await approvedTutor({ rate: 2501, currency: 'EUR' });
    const alice = await student();
    const booking = await booked(alice, tutor.id, utcDay(3, 10), 30);
    expect(env.platformFeePercent).toBe(15);
    expect(booking.price).toEqual({ amount: 1251, currency: 'EUR' });
    expect(booking.platformFee).toEqual({ amount: 188, currency: 'EUR' });
    expect(booking.tutorEarnings).toEqual({ amount: 1063, currency: 'EUR' });
  });

  test('later rate and policy changes never alter an existing booking, nor its refund rule', async () => {
    const tutor = await approvedTutor({ rate: 4000 });
    const alice = await student();
    // 30 hours ahead: before the 24-hour cutoff in force now, after a 48-hour one.
    const start = new Date(Math.ceil((Date.now() + 30 * HOUR) / (15 * 60_000)) * 15 * 60_000);
    const booking = await booked(alice, tutor.id, start, 60);
    await sql`update tutor_profiles set hourly_rate_amount = 9900, hourly_rate_currency = 'GBP' where user_id = ${tutor.id}`;
    await setPolicy(tutor.id, { cancellationCutoffHours: 48 });

    const read = await alice.api.get(`${API}/bookings/${booking.id}`, { token: alice.token });
    expect(read.body.price).toEqual({ amount: 4000, currency: 'USD' });
    expect(read.body.platformFee).toEqual({ amount: 600, currency: 'USD' });
    expect(read.body.tutorEarnings).toEqual({ amount: 3400, currency: 'USD' });
    const [row] = await sql`select cancellation_cutoff_hours, hourly_rate_amount, platform_fee_percent from bookings where id = ${booking.id}`;
    expect(row).toEqual({ cancellation_cutoff_hours: 24, hourly_rate_amount: 4000, platform_fee_percent: 15 });

    // New bookings take the new terms.
    const later = await booked(alice, tutor.id, utcDay(5, 10), 60);
    expect(later.price).toEqual({ amount: 9900, currency: 'GBP' });
    const [laterRow] = await sql`select cancellation_cutoff_hours from bookings where id = ${later.id}`;
    expect(laterRow!.cancellation_cutoff_hours).toBe(48);

    // The first booking is cancelled 30 h before: eligible under its own 24-hour cutoff (not the new 48 hours).
    const cancelled = await act(alice, booking.id, 'cancel');
    expect(cancelled.body.refundEligible).toBe(true);
    // The second, cancelled 47 h before its start, is not (its cutoff is 48 hours).
    await shiftBooking(later.id, Date.parse(later.startsAt) - Date.now() - 47 * HOUR);
    expect((await act(alice, later.id, 'cancel')).body.refundEligible).toBe(false);
  });
});
