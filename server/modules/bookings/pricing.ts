/**
 * Booking money, in integer minor units (DESIGN rule 7). Rounding is half-up at each step, in integer
 * arithmetic: no float ever touches an amount.
 */

/** n / d rounded half-up, for n >= 0 and d > 0 integers. */
export function divideHalfUp(n: number, d: number): number {
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d) || n < 0 || d <= 0) throw new RangeError('divideHalfUp needs non-negative safe integers');
  return Math.floor((2 * n + d) / (2 * d));
}

export type PriceSnapshot = { price: number; fee: number; earnings: number };

/** price = rate x minutes / 60 (half-up); fee = percent of price (half-up); earnings = price - fee. */
export function priceBooking(hourlyRate: number, durationMinutes: number, feePercent: number): PriceSnapshot {
  const price = divideHalfUp(hourlyRate * durationMinutes, 60);
  const fee = divideHalfUp(price * feePercent, 100);
  return { price, fee, earnings: price - fee };
}
