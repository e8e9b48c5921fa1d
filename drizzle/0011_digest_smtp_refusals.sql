ALTER TABLE "digests" ADD COLUMN "smtp_refusals" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- A failed digest of before counted its tries in attempts alone: it keeps them, as refusals.
UPDATE "digests" SET "smtp_refusals" = "attempts" WHERE "status" = 'failed';
