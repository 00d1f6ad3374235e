-- Typo tolerance by correcting query words against a vocabulary (search_words) instead of computing trigram
-- similarity over every profile: the trigger now also records the profile's words. See db/schema/search.ts.
CREATE INDEX "search_words_trgm_idx" ON "search_words" USING gin ("word" gin_trgm_ops);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "tutor_profiles_search_refresh"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  person text;
BEGIN
  SELECT "name" INTO person FROM "users" WHERE "id" = NEW."user_id";
  NEW."subject_keys" := coalesce(
    (SELECT array_agg(DISTINCT lower(btrim(s))) FROM unnest(NEW."subjects") AS s WHERE btrim(s) <> ''), '{}'::text[]);
  NEW."search_vector" :=
    setweight(to_tsvector('english', unaccent(coalesce(person, ''))), 'A') ||
    setweight(to_tsvector('english', unaccent(array_to_string(NEW."subjects", ' '))), 'A') ||
    setweight(to_tsvector('english', unaccent(coalesce(NEW."headline", ''))), 'B') ||
    setweight(to_tsvector('english', unaccent(coalesce(NEW."bio", ''))), 'C');
  NEW."search_text" := lower(unaccent(concat_ws(' ', person, NEW."headline", array_to_string(NEW."subject_keys", ' '))));
  INSERT INTO "search_words" ("word")
    SELECT DISTINCT w
    FROM regexp_split_to_table(NEW."search_text" || ' ' || lower(unaccent(coalesce(NEW."bio", ''))), '[^[:alnum:]]+') AS w
    WHERE length(w) BETWEEN 3 AND 40
    ON CONFLICT DO NOTHING;
  RETURN NEW;
END
$$;
--> statement-breakpoint
INSERT INTO "search_words" ("word")
  SELECT DISTINCT w
  FROM "tutor_profiles" tp, regexp_split_to_table(tp."search_text" || ' ' || lower(unaccent(coalesce(tp."bio", ''))), '[^[:alnum:]]+') AS w
  WHERE length(w) BETWEEN 3 AND 40
  ON CONFLICT DO NOTHING;
--> statement-breakpoint
DROP INDEX IF EXISTS "tutor_profiles_search_text_trgm_idx";