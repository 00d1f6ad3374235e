/** Lesson times as people read them: in their own zone, with the zone named. */

export function formatWhen(iso: string | Date, timeZone: string): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  const text = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(date);
  return `${text} (${timeZone})`;
}

export function formatRange(startsAt: string | Date, endsAt: string | Date, timeZone: string): string {
  const end = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).format(
    typeof endsAt === 'string' ? new Date(endsAt) : endsAt,
  );
  return `${formatWhen(startsAt, timeZone)} until ${end}`;
}
