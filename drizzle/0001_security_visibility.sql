ALTER TABLE "accounts" ADD COLUMN "subject" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "digest_pause_notified_at" timestamp with time zone;