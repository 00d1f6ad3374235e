import { pgTable, text } from 'drizzle-orm/pg-core';

/**
 * The search vocabulary: every word (unaccented, lower-case, 3..40 characters) of tutor names, headlines,
 * subjects and bios, kept by the `tutor_profiles_search` trigger. Typo tolerance corrects query words against it
 * (pg_trgm similarity on a GIN index, in the custom migration) before the full-text match, so search never runs
 * a similarity function over every profile. Words are never removed: a stale word only costs a useless alternative.
 */
export const searchWords = pgTable('search_words', {
  word: text('word').primaryKey(),
});
