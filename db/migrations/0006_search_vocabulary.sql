CREATE TABLE "search_words" (
	"word" text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE INDEX "tutor_profiles_city_idx" ON "tutor_profiles" USING btree (lower("city")) WHERE "tutor_profiles"."approval_status" = 'approved';