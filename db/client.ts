import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { env } from '../server/env.ts';
import * as schema from './schema/index.ts';

/** One pool per process. `max` stays modest: 2 cores, and several processes share one Postgres. */
export const sql = postgres(env.databaseUrl, {
  max: 20,
  onnotice: () => {},
  connection: { application_name: 'lyceum' },
});

export const db = drizzle(sql, { schema });

export type Database = typeof db;
/** A transaction or the pool: repositories accept either so services can compose them in one transaction. */
export type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

export async function closeDb(): Promise<void> {
  await sql.end({ timeout: 5 });
}
