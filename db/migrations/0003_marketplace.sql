CREATE TYPE "public"."booking_status" AS ENUM('requested', 'confirmed', 'declined', 'cancelled', 'completed');--> statement-breakpoint
CREATE TABLE "availability_exceptions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tutor_id" uuid NOT NULL,
	"date" date NOT NULL,
	"start_minute" smallint,
	"end_minute" smallint,
	CONSTRAINT "availability_exceptions_pair" CHECK (("availability_exceptions"."start_minute" is null) = ("availability_exceptions"."end_minute" is null)),
	CONSTRAINT "availability_exceptions_range" CHECK ("availability_exceptions"."start_minute" is null or ("availability_exceptions"."start_minute" >= 0 and "availability_exceptions"."end_minute" <= 1440 and "availability_exceptions"."start_minute" < "availability_exceptions"."end_minute"))
);
--> statement-breakpoint
CREATE TABLE "availability_weekly" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tutor_id" uuid NOT NULL,
	"weekday" smallint NOT NULL,
	"start_minute" smallint NOT NULL,
	"end_minute" smallint NOT NULL,
	CONSTRAINT "availability_weekly_weekday" CHECK ("availability_weekly"."weekday" between 1 and 7),
	CONSTRAINT "availability_weekly_range" CHECK ("availability_weekly"."start_minute" >= 0 and "availability_weekly"."end_minute" <= 1440 and "availability_weekly"."start_minute" < "availability_weekly"."end_minute")
);
--> statement-breakpoint
CREATE TABLE "availability_windows" (
	"tutor_id" uuid NOT NULL,
	"during" "tstzrange" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tutor_schedules" (
	"tutor_id" uuid PRIMARY KEY NOT NULL,
	"timezone" text NOT NULL,
	"min_notice_minutes" integer DEFAULT 720 NOT NULL,
	"horizon_days" integer DEFAULT 90 NOT NULL,
	"cancellation_cutoff_hours" integer DEFAULT 24 NOT NULL,
	"windows_until" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tutor_schedules_notice" CHECK ("tutor_schedules"."min_notice_minutes" >= 0),
	CONSTRAINT "tutor_schedules_horizon" CHECK ("tutor_schedules"."horizon_days" between 1 and 730),
	CONSTRAINT "tutor_schedules_cutoff" CHECK ("tutor_schedules"."cancellation_cutoff_hours" >= 0)
);
--> statement-breakpoint
CREATE TABLE "booking_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"booking_id" uuid NOT NULL,
	"actor_id" uuid,
	"from_status" "booking_status",
	"to_status" "booking_status" NOT NULL,
	"reason" text,
	"starts_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bookings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tutor_id" uuid NOT NULL,
	"student_id" uuid NOT NULL,
	"status" "booking_status" DEFAULT 'requested' NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"duration_minutes" integer NOT NULL,
	"subject" text NOT NULL,
	"note" text,
	"currency" text NOT NULL,
	"hourly_rate_amount" integer NOT NULL,
	"price_amount" integer NOT NULL,
	"platform_fee_percent" integer NOT NULL,
	"platform_fee_amount" integer NOT NULL,
	"tutor_earnings_amount" integer NOT NULL,
	"cancellation_cutoff_hours" integer NOT NULL,
	"refund_eligible" boolean,
	"conversation_id" uuid,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bookings_duration" CHECK ("bookings"."duration_minutes" between 30 and 240 and "bookings"."duration_minutes" % 15 = 0),
	CONSTRAINT "bookings_ends_at" CHECK ("bookings"."ends_at" = "bookings"."starts_at" + "bookings"."duration_minutes" * interval '1 minute'),
	CONSTRAINT "bookings_money" CHECK ("bookings"."price_amount" >= 0 and "bookings"."platform_fee_amount" >= 0 and "bookings"."platform_fee_amount" + "bookings"."tutor_earnings_amount" = "bookings"."price_amount"),
	CONSTRAINT "bookings_currency" CHECK ("bookings"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "bookings_not_self" CHECK ("bookings"."tutor_id" <> "bookings"."student_id"),
	CONSTRAINT "bookings_refund_when_cancelled" CHECK (("bookings"."refund_eligible" is null) = ("bookings"."status" <> 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "reviews" (
	"id" uuid PRIMARY KEY NOT NULL,
	"booking_id" uuid NOT NULL,
	"tutor_id" uuid NOT NULL,
	"student_id" uuid NOT NULL,
	"rating" smallint NOT NULL,
	"comment" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reviews_booking_id_unique" UNIQUE("booking_id"),
	CONSTRAINT "reviews_rating" CHECK ("reviews"."rating" between 1 and 5)
);
--> statement-breakpoint
ALTER TABLE "tutor_profiles" ADD COLUMN "rating_score" numeric(6, 4) GENERATED ALWAYS AS (case when rating_count > 0 then round(rating_sum::numeric / rating_count, 4) else 0 end) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "tutor_profiles" ADD COLUMN "subject_keys" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "tutor_profiles" ADD COLUMN "search_vector" "tsvector";--> statement-breakpoint
ALTER TABLE "tutor_profiles" ADD COLUMN "search_text" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "availability_exceptions" ADD CONSTRAINT "availability_exceptions_tutor_id_users_id_fk" FOREIGN KEY ("tutor_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "availability_weekly" ADD CONSTRAINT "availability_weekly_tutor_id_users_id_fk" FOREIGN KEY ("tutor_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "availability_windows" ADD CONSTRAINT "availability_windows_tutor_id_users_id_fk" FOREIGN KEY ("tutor_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tutor_schedules" ADD CONSTRAINT "tutor_schedules_tutor_id_users_id_fk" FOREIGN KEY ("tutor_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "booking_events" ADD CONSTRAINT "booking_events_booking_id_bookings_id_fk" FOREIGN KEY ("booking_id") REFERENCES "public"."bookings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "booking_events" ADD CONSTRAINT "booking_events_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_tutor_id_users_id_fk" FOREIGN KEY ("tutor_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_student_id_users_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_booking_id_bookings_id_fk" FOREIGN KEY ("booking_id") REFERENCES "public"."bookings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_tutor_id_users_id_fk" FOREIGN KEY ("tutor_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_student_id_users_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "availability_exceptions_tutor_idx" ON "availability_exceptions" USING btree ("tutor_id","date");--> statement-breakpoint
CREATE INDEX "availability_weekly_tutor_idx" ON "availability_weekly" USING btree ("tutor_id");--> statement-breakpoint
CREATE INDEX "tutor_schedules_windows_until_idx" ON "tutor_schedules" USING btree ("windows_until");--> statement-breakpoint
CREATE INDEX "booking_events_booking_idx" ON "booking_events" USING btree ("booking_id","id");--> statement-breakpoint
CREATE INDEX "bookings_tutor_start_idx" ON "bookings" USING btree ("tutor_id","starts_at","id");--> statement-breakpoint
CREATE INDEX "bookings_student_start_idx" ON "bookings" USING btree ("student_id","starts_at","id");--> statement-breakpoint
CREATE INDEX "bookings_confirmed_end_idx" ON "bookings" USING btree ("ends_at") WHERE "bookings"."status" = 'confirmed';--> statement-breakpoint
CREATE INDEX "reviews_tutor_idx" ON "reviews" USING btree ("tutor_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tutor_profiles_rating_sort_idx" ON "tutor_profiles" USING btree ("rating_score" DESC NULLS LAST,"rating_count" DESC NULLS LAST,"user_id" DESC NULLS LAST) WHERE "tutor_profiles"."approval_status" = 'approved';--> statement-breakpoint
CREATE INDEX "tutor_profiles_price_sort_idx" ON "tutor_profiles" USING btree ("hourly_rate_amount","user_id") WHERE "tutor_profiles"."approval_status" = 'approved';