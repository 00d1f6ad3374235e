/**
 * Seeds a benchmark database with a marketplace: approved tutors (profiles, weekly availability in a dozen zones,
 * their search windows), students, and some existing bookings. Idempotent: a seeded database is reused.
 * Written in bulk SQL (the API would spend minutes hashing passwords); the availability windows come from the
 * same slot engine the server uses.
 */
import postgres from 'postgres';
import { windowsForIndex, type Rules } from '../../server/modules/availability/slots.ts';

export const SUBJECTS = [
  'Mathematics', 'Physics', 'Chemistry', 'Biology', 'English', 'German', 'French', 'Spanish', 'Italian', 'Japanese', 'Chinese', 'History',
  'Geography', 'Economics', 'Accounting', 'Statistics', 'Calculus', 'Algebra', 'Geometry', 'Programming', 'Python', 'JavaScript', 'Java',
  'Data Science', 'Machine Learning', 'Music Theory', 'Piano', 'Guitar', 'Violin', 'Singing', 'Art', 'Drawing', 'Photography', 'Philosophy',
  'Psychology', 'Sociology', 'Law', 'Medicine', 'Nursing', 'Latin', 'Greek', 'Russian', 'Arabic', 'Portuguese', 'Korean', 'SAT Prep',
  'GRE Prep', 'IELTS', 'TOEFL', 'Chess', 'Public Speaking', 'Writing', 'Literature', 'Poetry', 'Astronomy', 'Engineering', 'Electronics',
  'Marketing', 'Finance', 'Business',
];
const FIRST = ['Ada', 'Alan', 'Grace', 'Linus', 'Marie', 'Niels', 'Rosalind', 'Emmy', 'Carl', 'Sofia', 'Hedy', 'Kurt', 'Lise', 'Srinivasa', 'Katherine', 'Max', 'Lena', 'Jonas', 'Mia', 'Noah'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Pauling', 'Curie', 'Bohr', 'Franklin', 'Noether', 'Gauss', 'Kovalevskaya', 'Lamarr', 'Goedel', 'Meitner', 'Ramanujan', 'Johnson', 'Planck', 'Schmidt', 'Weber', 'Fischer', 'Becker'];
const PLACES: Array<{ country: string; city: string; zone: string; languages: string[]; currency: string }> = [
  { country: 'DE', city: 'Berlin', zone: 'Europe/Berlin', languages: ['de', 'en'], currency: 'EUR' },
  { country: 'DE', city: 'Munich', zone: 'Europe/Berlin', languages: ['de'], currency: 'EUR' },
  { country: 'FR', city: 'Paris', zone: 'Europe/Paris', languages: ['fr', 'en'], currency: 'EUR' },
  { country: 'GB', city: 'London', zone: 'Europe/London', languages: ['en'], currency: 'GBP' },
  { country: 'US', city: 'New York', zone: 'America/New_York', languages: ['en', 'es'], currency: 'USD' },
  { country: 'US', city: 'Chicago', zone: 'America/Chicago', languages: ['en'], currency: 'USD' },
  { country: 'US', city: 'San Francisco', zone: 'America/Los_Angeles', languages: ['en', 'zh'], currency: 'USD' },
  { country: 'BR', city: 'São Paulo', zone: 'America/Sao_Paulo', languages: ['pt', 'en'], currency: 'USD' },
  { country: 'IN', city: 'Bengaluru', zone: 'Asia/Kolkata', languages: ['en', 'hi'], currency: 'USD' },
  { country: 'JP', city: 'Tokyo', zone: 'Asia/Tokyo', languages: ['ja', 'en'], currency: 'USD' },
  { country: 'AU', city: 'Sydney', zone: 'Australia/Sydney', languages: ['en'], currency: 'USD' },
  { country: 'ES', city: 'Madrid', zone: 'Europe/Madrid', languages: ['es', 'en'], currency: 'EUR' },
];
const PATTERNS: Array<Rules['weekly']> = [
  [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: 9 * 60, end: 17 * 60 })),
  [1, 2, 3, 4, 5].flatMap((weekday) => [{ weekday, start: 8 * 60, end: 12 * 60 }, { weekday, start: 14 * 60, end: 18 * 60 }]),
  [1, 3, 5].map((weekday) => ({ weekday, start: 17 * 60, end: 21 * 60 })),
  [6, 7].map((weekday) => ({ weekday, start: 10 * 60, end: 16 * 60 })),
  [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: 7 * 60, end: 22 * 60 })),
  [2, 4].map((weekday) => ({ weekday, start: 18 * 60, end: 20 * 60 })),
];

const DAY = 24 * 3600_000;

/** A small deterministic PRNG so every seeded database is the same. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Seeded = { tutorIds: string[]; studentIds: string[] };

export async function seedMarketplace(databaseUrl: string, options: { tutors: number; students: number; log?: (line: string) => void }): Promise<Seeded> {
  const log = options.log ?? (() => {});
  const sql = postgres(databaseUrl, { max: 4, onnotice: () => {} });
  try {
    const [{ count }] = (await sql`select count(*)::int as count from users where email like 'bench-tutor-%'`) as unknown as [{ count: number }];
    // Windows are computed from the seeding day: a database seeded long ago is seeded again.
    const [{ fresh }] = (await sql`select coalesce(min(windows_until) > now() + interval '91 days', false) as fresh from tutor_schedules`) as unknown as [{ fresh: boolean }];
    if (count !== options.tutors || !fresh) {
      log(`seeding ${options.tutors} tutors and ${options.students} students...`);
      const started = performance.now();
      await sql`delete from users where email like 'bench-%'`;
      const rand = random(42);
      const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
      const hash = await Bun.password.hash('bench-password-not-for-login');
      const nowMs = Date.now();

      // Windows per (zone, pattern), computed once with the server's slot engine.
      const combos = new Map<string, Array<[string, string]>>();
      for (const place of PLACES) {
        for (const [index, weekly] of PATTERNS.entries()) {
          const windows = windowsForIndex({ timezone: place.zone, weekly, exceptions: [] }, nowMs - DAY, nowMs + 98 * DAY);
          combos.set(`${place.zone}|${index}`, windows.map(([a, b]) => [new Date(a).toISOString(), new Date(b).toISOString()]));
        }
      }

      const tutors: any[] = [];
      const profiles: any[] = [];
      const schedules: Array<{ tutor_id: string; timezone: string; combo: string; pattern: number }> = [];
      for (let index = 0; index < options.tutors; index++) {
        const id = Bun.randomUUIDv7();
        const place = pick(PLACES);
        const pattern = Math.floor(rand() * PATTERNS.length);
        const subjects = [...new Set(Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(SUBJECTS)))];
        const ratingCount = rand() < 0.3 ? 0 : Math.floor(rand() * 60);
        tutors.push({ id, email: `bench-tutor-${index}@example.test`, password_hash: hash, name: `${pick(FIRST)} ${pick(LAST)}`, role: 'tutor', timezone: place.zone, email_verified_at: new Date(nowMs).toISOString() });
        profiles.push({
          user_id: id,
          headline: `${subjects[0]} tutor with ${1 + Math.floor(rand() * 20)} years of experience`,
          bio: `I teach ${subjects.join(', ')} to students of every level. Lessons are practical, patient and tailored; exam preparation and homework help available.`,
          subjects,
          hourly_rate_amount: 1500 + Math.floor(rand() * 100) * 100,
          hourly_rate_currency: place.currency,
          languages: place.languages,
          country: place.country,
          city: place.city,
          online: rand() < 0.85,
          in_person: rand() < 0.4,
          approval_status: 'approved',
          rating_sum: ratingCount === 0 ? 0 : Math.round(ratingCount * (3 + rand() * 2)),
          rating_count: ratingCount,
        });
        schedules.push({ tutor_id: id, timezone: place.zone, combo: `${place.zone}|${pattern}`, pattern });
      }
      const students = Array.from({ length: options.students }, (_, index) => ({
        id: Bun.randomUUIDv7(),
        email: `bench-student-${index}@example.test`,
        password_hash: hash,
        name: `Student ${index}`,
        role: 'student',
        timezone: 'UTC',
        email_verified_at: new Date(nowMs).toISOString(),
      }));
      for (let offset = 0; offset < tutors.length; offset += 1000) {
        await sql`insert into users ${sql(tutors.slice(offset, offset + 1000))}`;
        await sql`insert into tutor_profiles ${sql(profiles.slice(offset, offset + 1000))}`;
      }
      for (let offset = 0; offset < students.length; offset += 1000) await sql`insert into users ${sql(students.slice(offset, offset + 1000))}`;
      for (let offset = 0; offset < schedules.length; offset += 1000) {
        const chunk = schedules.slice(offset, offset + 1000);
        await sql`insert into tutor_schedules ${sql(chunk.map((s) => ({ tutor_id: s.tutor_id, timezone: s.timezone, windows_until: new Date(nowMs + 98 * DAY).toISOString() })))}`;
        await sql`insert into availability_weekly ${sql(chunk.flatMap((s) => PATTERNS[s.pattern]!.map((range) => ({ id: Bun.randomUUIDv7(), tutor_id: s.tutor_id, weekday: range.weekday, start_minute: range.start, end_minute: range.end }))))}`;
      }
      // Windows: one combo table, joined to every tutor that uses it.
      await sql`create temp table bench_combo_windows (combo text, lo timestamptz, hi timestamptz)`;
      const comboRows = [...combos.entries()].flatMap(([combo, windows]) => windows.map(([lo, hi]) => ({ combo, lo, hi })));
      for (let offset = 0; offset < comboRows.length; offset += 2000) await sql`insert into bench_combo_windows ${sql(comboRows.slice(offset, offset + 2000))}`;
      await sql`create temp table bench_tutor_combo (tutor_id uuid, combo text)`;
      for (let offset = 0; offset < schedules.length; offset += 2000) {
        await sql`insert into bench_tutor_combo ${sql(schedules.slice(offset, offset + 2000).map((s) => ({ tutor_id: s.tutor_id, combo: s.combo })))}`;
      }
      await sql`insert into availability_windows (tutor_id, during) select t.tutor_id, tstzrange(w.lo, w.hi, '[)') from bench_tutor_combo t join bench_combo_windows w using (combo)`;

      // Existing bookings: up to 6 per tutor in the next three weeks, at distinct whole hours inside their windows.
      const bookings: any[] = [];
      const studentIds = students.map((s) => s.id);
      for (const schedule of schedules) {
        const windows = combos.get(schedule.combo)!.filter(([lo]) => Date.parse(lo) > nowMs + DAY && Date.parse(lo) < nowMs + 21 * DAY);
        const used = new Set<number>();
        const wanted = Math.floor(rand() * 7);
        for (let attempt = 0; attempt < wanted * 3 && used.size < wanted && windows.length > 0; attempt++) {
          const [lo, hi] = pick(windows);
          const hours = Math.floor((Date.parse(hi) - Date.parse(lo)) / 3600_000);
          if (hours < 1) continue;
          const start = Date.parse(lo) + Math.floor(rand() * hours) * 3600_000;
          if (used.has(start)) continue;
          used.add(start);
          const status = rand() < 0.6 ? 'confirmed' : 'requested';
          bookings.push({
            id: Bun.randomUUIDv7(),
            tutor_id: schedule.tutor_id,
            student_id: pick(studentIds),
            status,
            starts_at: new Date(start).toISOString(),
            ends_at: new Date(start + 3600_000).toISOString(),
            duration_minutes: 60,
            subject: 'Mathematics',
            currency: 'USD',
            hourly_rate_amount: 3000,
            price_amount: 3000,
            platform_fee_percent: 15,
            platform_fee_amount: 450,
            tutor_earnings_amount: 2550,
            cancellation_cutoff_hours: 24,
          });
        }
      }
      for (let offset = 0; offset < bookings.length; offset += 2000) await sql`insert into bookings ${sql(bookings.slice(offset, offset + 2000))}`;
      // As autovacuum would: flushes the GIN pending lists and gathers statistics.
      await sql`vacuum analyze`;
      log(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s: ${tutors.length} tutors, ${students.length} students, ${bookings.length} bookings, ${comboRows.length} distinct windows`);
    }
    const tutorIds = (await sql`select id from users where email like 'bench-tutor-%' order by email`).map((row) => row.id as string);
    const studentIds = (await sql`select id from users where email like 'bench-student-%' order by email`).map((row) => row.id as string);
    return { tutorIds, studentIds };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
