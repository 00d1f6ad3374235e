import { uuid } from 'drizzle-orm/pg-core';

/** Primary keys are UUIDv7: opaque to clients, time-ordered for index locality and stable cursors. */
export const id = () => uuid('id').primaryKey().$defaultFn(() => Bun.randomUUIDv7());
