ALTER TABLE "contacts" ADD COLUMN "last_thread_key" text;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "identity_links" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "domain_change" jsonb;--> statement-breakpoint
-- Stored contacts lack the new columns until recomputed: forget what they were computed from (the next recompute is full; until then readers infer from interactions) and queue every user's recompute.
DELETE FROM "contact_state";--> statement-breakpoint
UPDATE "users" SET "contacts_dirty_at" = now() WHERE "contacts_computed_at" IS NOT NULL;
