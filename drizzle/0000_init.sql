CREATE TABLE "accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"email" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"refresh_token" text,
	"access_token" text,
	"access_token_expires_at" timestamp with time zone,
	"needs_reauth_at" timestamp with time zone,
	"reauth_notified_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "calendar_events" (
	"account_id" uuid NOT NULL,
	"provider_id" text NOT NULL,
	"source_key" text NOT NULL,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"status" text,
	"attendee_count" integer DEFAULT 0 NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_events_account_id_provider_id_pk" PRIMARY KEY("account_id","provider_id")
);
--> statement-breakpoint
CREATE TABLE "contact_addresses" (
	"user_id" uuid NOT NULL,
	"address" text NOT NULL,
	"name_key" text,
	"person" text NOT NULL,
	"next_at" timestamp with time zone,
	CONSTRAINT "contact_addresses_user_id_address_pk" PRIMARY KEY("user_id","address")
);
--> statement-breakpoint
CREATE TABLE "contact_marks" (
	"user_id" uuid NOT NULL,
	"contact" text NOT NULL,
	"status" text NOT NULL,
	"marked_at" timestamp with time zone NOT NULL,
	"until" timestamp with time zone,
	CONSTRAINT "contact_marks_user_id_contact_pk" PRIMARY KEY("user_id","contact")
);
--> statement-breakpoint
CREATE TABLE "contact_state" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"owner_digest" text NOT NULL,
	"decisions_digest" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contacts" (
	"user_id" uuid NOT NULL,
	"contact" text NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"addresses" text[] DEFAULT '{}' NOT NULL,
	"first_contact_at" timestamp with time zone NOT NULL,
	"last_contact_at" timestamp with time zone NOT NULL,
	"last_outbound_at" timestamp with time zone,
	"last_inbound_at" timestamp with time zone,
	"last_meeting_at" timestamp with time zone,
	"next_meeting_at" timestamp with time zone,
	"sent_count" integer NOT NULL,
	"received_count" integer NOT NULL,
	"meeting_count" integer NOT NULL,
	"cadence_days" real,
	"strength" real NOT NULL,
	"last_subject" text,
	"last_writer" text,
	"sent_weight" double precision DEFAULT 0 NOT NULL,
	"sent_decaying" double precision DEFAULT 0 NOT NULL,
	"received_weight" double precision DEFAULT 0 NOT NULL,
	"received_decaying" double precision DEFAULT 0 NOT NULL,
	"meeting_weight" double precision DEFAULT 0 NOT NULL,
	"meeting_decaying" double precision DEFAULT 0 NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contacts_user_id_contact_pk" PRIMARY KEY("user_id","contact")
);
--> statement-breakpoint
CREATE TABLE "digest_actions" (
	"digest_id" uuid NOT NULL,
	"position" smallint NOT NULL,
	"user_id" uuid NOT NULL,
	"contact" text NOT NULL,
	"verb" text NOT NULL,
	"before" jsonb,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "digest_actions_digest_id_position_pk" PRIMARY KEY("digest_id","position")
);
--> statement-breakpoint
CREATE TABLE "digest_items" (
	"digest_id" uuid NOT NULL,
	"position" smallint NOT NULL,
	"contact" text NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"reason" text NOT NULL,
	"last_contact_at" timestamp with time zone NOT NULL,
	"cadence_days" real,
	"last_subject" text,
	CONSTRAINT "digest_items_digest_id_position_pk" PRIMARY KEY("digest_id","position")
);
--> statement-breakpoint
CREATE TABLE "digests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"week_of" date NOT NULL,
	"kind" text DEFAULT 'weekly' NOT NULL,
	"requested_by" uuid,
	"status" text NOT NULL,
	"token" text NOT NULL,
	"message_id" text NOT NULL,
	"recipient" text NOT NULL,
	"subject" text,
	"as_of" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_until" timestamp with time zone,
	"handed_to_smtp_at" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"smtp_response" text,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "digests_token_unique" UNIQUE("token"),
	CONSTRAINT "digests_message_id_unique" UNIQUE("message_id")
);
--> statement-breakpoint
CREATE TABLE "dirty_contacts" (
	"user_id" uuid NOT NULL,
	"contact" text NOT NULL,
	CONSTRAINT "dirty_contacts_user_id_contact_pk" PRIMARY KEY("user_id","contact")
);
--> statement-breakpoint
CREATE TABLE "identity_decisions" (
	"user_id" uuid NOT NULL,
	"address_a" text NOT NULL,
	"address_b" text NOT NULL,
	"decision" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "identity_decisions_user_id_address_a_address_b_pk" PRIMARY KEY("user_id","address_a","address_b")
);
--> statement-breakpoint
CREATE TABLE "inbound_replies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dedupe_key" text NOT NULL,
	"digest_id" uuid,
	"user_id" uuid,
	"outcome" text NOT NULL,
	"detail" text,
	"channel" text,
	"sender" text,
	"auth" text,
	"commands" jsonb,
	"changes" jsonb,
	"undone_at" timestamp with time zone,
	"notice_sent_at" timestamp with time zone,
	"confirmed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbound_replies_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE TABLE "interactions" (
	"user_id" uuid NOT NULL,
	"source_key" text NOT NULL,
	"contact" text NOT NULL,
	"address" text NOT NULL,
	"kind" text NOT NULL,
	"account_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"weight" real NOT NULL,
	"contact_name" text,
	"participants" integer NOT NULL,
	"thread_key" text,
	"subject" text,
	CONSTRAINT "interactions_user_id_source_key_contact_kind_pk" PRIMARY KEY("user_id","source_key","contact","kind")
);
--> statement-breakpoint
CREATE TABLE "mail_messages" (
	"account_id" uuid NOT NULL,
	"provider_id" text NOT NULL,
	"thread_id" text,
	"internet_message_id" text,
	"sent_at" timestamp with time zone,
	"folder" text,
	"skip_reason" text,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mail_messages_account_id_provider_id_pk" PRIMARY KEY("account_id","provider_id")
);
--> statement-breakpoint
CREATE TABLE "sync_streams" (
	"account_id" uuid NOT NULL,
	"stream" text NOT NULL,
	"phase" text DEFAULT 'backfill' NOT NULL,
	"cursor" jsonb,
	"next_run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"enqueued_at" timestamp with time zone,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"items_synced" bigint DEFAULT 0 NOT NULL,
	"quota_units_spent" bigint DEFAULT 0 NOT NULL,
	"backfill_started_at" timestamp with time zone,
	"backfill_oldest_at" timestamp with time zone,
	"backfill_completed_at" timestamp with time zone,
	"last_synced_at" timestamp with time zone,
	"full_resyncs" integer DEFAULT 0 NOT NULL,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	CONSTRAINT "sync_streams_account_id_stream_pk" PRIMARY KEY("account_id","stream")
);
--> statement-breakpoint
CREATE TABLE "user_addresses" (
	"user_id" uuid NOT NULL,
	"address" text NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_addresses_user_id_address_pk" PRIMARY KEY("user_id","address")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"digest_day" smallint DEFAULT 1 NOT NULL,
	"digest_hour" smallint DEFAULT 8 NOT NULL,
	"contacts_dirty_at" timestamp with time zone,
	"contacts_computed_at" timestamp with time zone,
	"digest_stopped_at" timestamp with time zone,
	"digest_paused_at" timestamp with time zone,
	"digest_paused_reason" text,
	"digest_budget" smallint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_events" ADD CONSTRAINT "calendar_events_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_addresses" ADD CONSTRAINT "contact_addresses_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_marks" ADD CONSTRAINT "contact_marks_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_state" ADD CONSTRAINT "contact_state_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "digest_actions" ADD CONSTRAINT "digest_actions_digest_id_digests_id_fk" FOREIGN KEY ("digest_id") REFERENCES "public"."digests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "digest_actions" ADD CONSTRAINT "digest_actions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "digest_items" ADD CONSTRAINT "digest_items_digest_id_digests_id_fk" FOREIGN KEY ("digest_id") REFERENCES "public"."digests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "digests" ADD CONSTRAINT "digests_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dirty_contacts" ADD CONSTRAINT "dirty_contacts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_decisions" ADD CONSTRAINT "identity_decisions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_replies" ADD CONSTRAINT "inbound_replies_digest_id_digests_id_fk" FOREIGN KEY ("digest_id") REFERENCES "public"."digests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_replies" ADD CONSTRAINT "inbound_replies_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mail_messages" ADD CONSTRAINT "mail_messages_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_streams" ADD CONSTRAINT "sync_streams_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_addresses" ADD CONSTRAINT "user_addresses_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_provider_email" ON "accounts" USING btree ("provider","email");--> statement-breakpoint
CREATE INDEX "accounts_user" ON "accounts" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "digests_user_week" ON "digests" USING btree ("user_id","week_of") WHERE kind = 'weekly';--> statement-breakpoint
CREATE UNIQUE INDEX "digests_requested_by" ON "digests" USING btree ("requested_by");--> statement-breakpoint
CREATE INDEX "inbound_replies_user" ON "inbound_replies" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "inbound_replies_notices" ON "inbound_replies" USING btree ("user_id","sender","notice_sent_at");--> statement-breakpoint
CREATE INDEX "interactions_user_contact" ON "interactions" USING btree ("user_id","contact","occurred_at");--> statement-breakpoint
CREATE INDEX "sync_streams_due" ON "sync_streams" USING btree ("next_run_at");