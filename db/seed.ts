/**
 * `bun run db:seed`: demo data so a person trying Lyceum sees a living marketplace: an admin, students, and
 * approved tutors with subjects, rates, languages, photos, weekly availability, past sessions and reviews.
 * Idempotent: accounts are keyed by email; running it again leaves existing demo accounts as they are.
 *
 * Profiles and availability go through the same service functions as the API (so search data and free-time
 * windows are derived exactly as in production); approval and past sessions are written directly.
 */
import { eq, sql as drizzleSql } from 'drizzle-orm';
import sharp from 'sharp';
import { env } from '../server/env.ts';
import { storeFile } from '../server/lib/files.ts';
import { actorFrom } from '../server/modules/accounts/sessions.ts';
import { putMine as putAvailability } from '../server/modules/availability/service.ts';
import { updateMine as updateTutorProfile, type ProfileInput } from '../server/modules/tutors/service.ts';
import { closeRedis, connectRedis } from '../server/redis.ts';
import { closeDb, db } from './client.ts';
import { migrateDatabase } from './migrate.ts';
import { bookings, reviews, tutorProfiles, users } from './schema/index.ts';

export const DEMO_PASSWORD = 'lyceum-demo-password';

type DemoTutor = { name: string; timezone: string; profile: ProfileInput; hours: Array<[number, string, string]> };

const weekdays = (start: string, end: string, days = [1, 2, 3, 4, 5]): Array<[number, string, string]> => days.map((day) => [day, start, end]);

const TUTORS: DemoTutor[] = [
  {
    name: 'Amelia Hart',
    timezone: 'Europe/London',
    profile: {
      headline: 'Cambridge maths graduate: calculus, algebra and exam prep',
      bio: 'Ten years of helping students love mathematics. I teach A-level and university calculus, linear algebra and statistics, with past papers and lots of practice.',
      subjects: ['Mathematics', 'Calculus', 'Statistics'],
      hourlyRate: { amount: 4500, currency: 'GBP' },
      languages: ['en'],
      country: 'GB',
      city: 'Cambridge',
      online: true,
      inPerson: true,
    },
    hours: weekdays('09:00', '17:00'),
  },
  {
    name: 'Jonas Weber',
    timezone: 'Europe/Berlin',
    profile: {
      headline: 'Physics and mathematics, from school to university',
      bio: 'PhD student in theoretical physics. Mechanics, electromagnetism and the maths behind them, explained patiently in German or English.',
      subjects: ['Physics', 'Mathematics'],
      hourlyRate: { amount: 3800, currency: 'EUR' },
      languages: ['de', 'en'],
      country: 'DE',
      city: 'Berlin',
      online: true,
      inPerson: false,
    },
    hours: [...weekdays('16:00', '21:00'), [6, '10:00', '14:00']],
  },
  {
    name: 'Sofia Marquez',
    timezone: 'America/Mexico_City',
    profile: {
      headline: 'Spanish for beginners and conversation practice',
      bio: 'Native speaker and certified teacher. Conversational Spanish, grammar that sticks, and DELE exam preparation.',
      subjects: ['Spanish', 'DELE preparation'],
      hourlyRate: { amount: 2500, currency: 'USD' },
      languages: ['es', 'en'],
      country: 'MX',
      city: 'Mexico City',
      online: true,
      inPerson: false,
    },
    hours: weekdays('08:00', '14:00', [1, 2, 3, 4, 5, 6]),
  },
  {
    name: 'Daniel Okafor',
    timezone: 'America/New_York',
    profile: {
      headline: 'Software engineer teaching Python, JavaScript and algorithms',
      bio: 'I build web services for a living. Learn to program from zero, prepare for coding interviews, or get unstuck on your project.',
      subjects: ['Programming', 'Python', 'JavaScript', 'Algorithms'],
      hourlyRate: { amount: 6000, currency: 'USD' },
      languages: ['en'],
      country: 'US',
      city: 'New York',
      online: true,
      inPerson: true,
    },
    hours: weekdays('18:00', '22:00'),
  },
  {
    name: 'Mei Lin',
    timezone: 'Asia/Singapore',
    profile: {
      headline: 'Chemistry and biology for IB and A-level students',
      bio: 'Former lab researcher. Organic chemistry mechanisms, cell biology and exam technique with clear diagrams.',
      subjects: ['Chemistry', 'Biology'],
      hourlyRate: { amount: 5200, currency: 'USD' },
      languages: ['en', 'zh'],
      country: 'SG',
      city: 'Singapore',
      online: true,
      inPerson: false,
    },
    hours: weekdays('10:00', '18:00'),
  },
  {
    name: 'Lucas Moreau',
    timezone: 'Europe/Paris',
    profile: {
      headline: 'French language and literature, all levels',
      bio: 'From your first bonjour to DALF C1: pronunciation, grammar and reading French literature together.',
      subjects: ['French', 'Literature'],
      hourlyRate: { amount: 3200, currency: 'EUR' },
      languages: ['fr', 'en'],
      country: 'FR',
      city: 'Lyon',
      online: true,
      inPerson: true,
    },
    hours: [...weekdays('09:00', '12:00'), ...weekdays('14:00', '18:00', [2, 4])],
  },
  {
    name: 'Priya Raman',
    timezone: 'Asia/Kolkata',
    profile: {
      headline: 'Economics and statistics made intuitive',
      bio: 'Economist and data analyst. Micro, macro, econometrics and statistics with real-world examples.',
      subjects: ['Economics', 'Statistics'],
      hourlyRate: { amount: 3000, currency: 'USD' },
      languages: ['en', 'hi'],
      country: 'IN',
      city: 'Bengaluru',
      online: true,
      inPerson: false,
    },
    hours: weekdays('07:00', '13:00'),
  },
  {
    name: 'Ethan Brooks',
    timezone: 'Australia/Sydney',
    profile: {
      headline: 'Guitar and music theory lessons',
      bio: 'Session guitarist and teacher. Chords, technique, reading music and writing your own songs.',
      subjects: ['Guitar', 'Music theory'],
      hourlyRate: { amount: 4000, currency: 'AUD' },
      languages: ['en'],
      country: 'AU',
      city: 'Sydney',
      online: true,
      inPerson: true,
    },
    hours: weekdays('15:00', '20:00', [1, 3, 5, 6]),
  },
];

const STUDENTS = ['Olivia Chen', 'Noah Schmidt', 'Emma Rossi', 'Liam Novak'];

const COMMENTS = [
  'Clear explanations and very patient. I finally understand it.',
  'Great session, well prepared and friendly.',
  'Helped me pass my exam. Highly recommended!',
  'Good pace and useful exercises to practise afterwards.',
];

const emailOf = (name: string, domain = 'lyceum.test') => `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@${domain}`;

/** A round avatar with the person's initials, re-encoded as the app stores photos (WebP). */
async function avatar(name: string, hue: number): Promise<Uint8Array> {
  const initials = name
    .split(' ')
    .map((part) => part[0])
    .join('')
    .slice(0, 2);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">
    <rect width="256" height="256" fill="hsl(${hue},55%,55%)"/>
    <text x="50%" y="54%" font-family="DejaVu Sans, Arial, sans-serif" font-size="104" font-weight="700" fill="#fff" text-anchor="middle" dominant-baseline="middle">${initials}</text>
  </svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).webp({ quality: 85 }).toBuffer());
}

async function ensureUser(input: { name: string; email: string; role: 'student' | 'tutor' | 'admin'; timezone: string; passwordHash: string }) {
  const [existing] = await db.select().from(users).where(eq(users.email, input.email));
  if (existing) return { user: existing, created: false };
  const [user] = await db
    .insert(users)
    .values({ email: input.email, name: input.name, role: input.role, timezone: input.timezone, passwordHash: input.passwordHash, emailVerifiedAt: new Date() })
    .returning();
  return { user: user!, created: true };
}

export async function seed(): Promise<void> {
  await migrateDatabase(env.databaseUrl);
  await connectRedis();
  const passwordHash = await Bun.password.hash(DEMO_PASSWORD, { algorithm: 'argon2id' });

  const admin = await ensureUser({ name: 'Ada Admin', email: emailOf('Ada Admin'), role: 'admin', timezone: 'UTC', passwordHash });
  const students = [];
  for (const name of STUDENTS) students.push((await ensureUser({ name, email: emailOf(name), role: 'student', timezone: 'Europe/Berlin', passwordHash })).user);

  let created = 0;
  for (const [index, tutor] of TUTORS.entries()) {
    const { user, created: isNew } = await ensureUser({ name: tutor.name, email: emailOf(tutor.name), role: 'tutor', timezone: tutor.timezone, passwordHash });
    if (!isNew) continue;
    created++;
    const actor = actorFrom(user, 'seed');
    await updateTutorProfile({ actor, profile: tutor.profile });
    await putAvailability({
      actor,
      availability: {
        timezone: tutor.timezone,
        weekly: tutor.hours.map(([weekday, start, end]) => ({ weekday, start, end })),
        exceptions: [],
      },
    });
    const photoPath = await storeFile('photos', await avatar(tutor.name, (index * 47) % 360), 'webp');
    await db.update(users).set({ photoPath }).where(eq(users.id, user.id));

    // Two past sessions with reviews, and the aggregates the review service keeps.
    const rate = tutor.profile.hourlyRate;
    let ratingSum = 0;
    for (let session = 0; session < 2; session++) {
      const student = students[(index + session) % students.length]!;
      const startsAt = new Date(Date.now() - (14 + index * 3 + session * 5) * 24 * 3600 * 1000);
      startsAt.setUTCMinutes(0, 0, 0);
      const price = rate.amount;
      const fee = Math.round((price * env.platformFeePercent) / 100);
      const [booking] = await db
        .insert(bookings)
        .values({
          tutorId: user.id,
          studentId: student.id,
          status: 'completed',
          startsAt,
          endsAt: new Date(startsAt.getTime() + 60 * 60 * 1000),
          durationMinutes: 60,
          subject: tutor.profile.subjects[0]!,
          currency: rate.currency,
          hourlyRateAmount: rate.amount,
          priceAmount: price,
          platformFeePercent: env.platformFeePercent,
          platformFeeAmount: fee,
          tutorEarningsAmount: price - fee,
          cancellationCutoffHours: 24,
        })
        .returning();
      const rating = session === 0 ? 5 : 4 + (index % 2);
      ratingSum += rating;
      await db.insert(reviews).values({
        bookingId: booking!.id,
        tutorId: user.id,
        studentId: student.id,
        rating,
        comment: COMMENTS[(index + session) % COMMENTS.length]!,
        createdAt: new Date(startsAt.getTime() + 3 * 60 * 60 * 1000),
      });
    }
    await db
      .update(tutorProfiles)
      .set({
        approvalStatus: 'approved',
        submittedAt: drizzleSql`now()`,
        reviewedAt: drizzleSql`now()`,
        reviewedBy: admin.user.id,
        ratingSum,
        ratingCount: 2,
      })
      .where(eq(tutorProfiles.userId, user.id));
  }

  console.log(`lyceum: demo data ready (${created} new tutors). Every demo account's password: ${DEMO_PASSWORD}`);
  console.log(`  admin:    ${admin.user.email}`);
  console.log(`  students: ${students.map((student) => student.email).join(', ')}`);
  console.log(`  tutors:   ${TUTORS.map((tutor) => emailOf(tutor.name)).join(', ')}`);
}

if (import.meta.main) {
  try {
    await seed();
  } finally {
    await Promise.allSettled([closeRedis(), closeDb()]);
  }
}
