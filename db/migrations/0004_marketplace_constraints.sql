-- Marketplace constraints that drizzle-kit cannot express: extensions, the bookings exclusion constraint, the
-- booking state machine, and the search columns kept by triggers (see db/schema/{bookings,tutors,availability}.ts).
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
-- The truth about double booking: no two active (requested, confirmed) bookings of one tutor overlap, whatever
-- the application does and however many requests race. Half-open ranges: back-to-back lessons are fine.
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_no_overlap"
  EXCLUDE USING gist ("tutor_id" WITH =, tstzrange("starts_at", "ends_at", '[)') WITH &&)
  WHERE ("status" IN ('requested', 'confirmed'));
--> statement-breakpoint
-- The booking state machine, enforced by the database: only legal status changes, final states stay final, and
-- the price and policy snapshot never changes after creation.
CREATE OR REPLACE FUNCTION "bookings_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status" IS DISTINCT FROM OLD."status" AND NOT (
    (OLD."status" = 'requested' AND NEW."status" IN ('confirmed', 'declined', 'cancelled')) OR
    (OLD."status" = 'confirmed' AND NEW."status" IN ('cancelled', 'completed'))
  ) THEN
    RAISE EXCEPTION 'illegal booking transition % -> %', OLD."status", NEW."status"
      USING ERRCODE = 'check_violation', CONSTRAINT = 'bookings_transition';
  END IF;
  IF OLD."status" NOT IN ('requested', 'confirmed') AND NEW."starts_at" IS DISTINCT FROM OLD."starts_at" THEN
    RAISE EXCEPTION 'a % booking cannot be rescheduled', OLD."status"
      USING ERRCODE = 'check_violation', CONSTRAINT = 'bookings_transition';
  END IF;
  IF (NEW."tutor_id", NEW."student_id", NEW."duration_minutes", NEW."currency", NEW."hourly_rate_amount", NEW."price_amount",
      NEW."platform_fee_percent", NEW."platform_fee_amount", NEW."tutor_earnings_amount", NEW."cancellation_cutoff_hours", NEW."created_at")
     IS DISTINCT FROM
     (OLD."tutor_id", OLD."student_id", OLD."duration_minutes", OLD."currency", OLD."hourly_rate_amount", OLD."price_amount",
      OLD."platform_fee_percent", OLD."platform_fee_amount", OLD."tutor_earnings_amount", OLD."cancellation_cutoff_hours", OLD."created_at") THEN
    RAISE EXCEPTION 'a booking''s parties, price and policy snapshot are immutable'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'bookings_snapshot';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "bookings_guard" BEFORE UPDATE ON "bookings" FOR EACH ROW EXECUTE FUNCTION "bookings_guard"();
--> statement-breakpoint
-- Search columns of tutor_profiles, derived from the profile and the owner's name. unaccent is not immutable, so
-- these are trigger-maintained rather than generated columns.
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
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "tutor_profiles_search" BEFORE INSERT OR UPDATE OF "user_id", "headline", "bio", "subjects" ON "tutor_profiles"
  FOR EACH ROW EXECUTE FUNCTION "tutor_profiles_search_refresh"();
--> statement-breakpoint
-- A renamed tutor is found by the new name: touching the profile re-runs the trigger above.
CREATE OR REPLACE FUNCTION "users_name_to_tutor_search"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "tutor_profiles" SET "headline" = "headline" WHERE "user_id" = NEW."id";
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "users_name_to_tutor_search" AFTER UPDATE OF "name" ON "users"
  FOR EACH ROW WHEN (OLD."name" IS DISTINCT FROM NEW."name") EXECUTE FUNCTION "users_name_to_tutor_search"();
--> statement-breakpoint
UPDATE "tutor_profiles" SET "headline" = "headline";
--> statement-breakpoint
CREATE INDEX "tutor_profiles_search_vector_idx" ON "tutor_profiles" USING gin ("search_vector") WHERE "approval_status" = 'approved';
--> statement-breakpoint
CREATE INDEX "tutor_profiles_search_text_trgm_idx" ON "tutor_profiles" USING gin ("search_text" gin_trgm_ops) WHERE "approval_status" = 'approved';
--> statement-breakpoint
CREATE INDEX "tutor_profiles_subject_keys_idx" ON "tutor_profiles" USING gin ("subject_keys") WHERE "approval_status" = 'approved';
--> statement-breakpoint
CREATE INDEX "tutor_profiles_languages_idx" ON "tutor_profiles" USING gin ("languages") WHERE "approval_status" = 'approved';
--> statement-breakpoint
CREATE INDEX "availability_windows_tutor_during_idx" ON "availability_windows" USING gist ("tutor_id", "during");