const KNOWN_ZONES = new Set(Intl.supportedValuesOf('timeZone'));

/** True for IANA zone names (including aliases Intl knows, and UTC); false for offsets like "+01:00". */
export function isValidTimeZone(zone: string): boolean {
  if (KNOWN_ZONES.has(zone) || zone === 'UTC') return true;
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The canonical spelling of a valid zone (`europe/berlin` -> `Europe/Berlin`). */
export function canonicalTimeZone(zone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
}

/** Waits until at least `ms` have passed since `startedAt` (performance.now()), to even out response times. */
export async function padTo(startedAt: number, ms: number): Promise<void> {
  const remaining = ms - (performance.now() - startedAt);
  if (remaining > 0) await Bun.sleep(remaining);
}
