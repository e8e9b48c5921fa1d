ALTER TABLE "accounts" ADD COLUMN "calendar_sources" jsonb;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "calendar_secret" text;