CREATE TABLE "verdict_journal" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "verdict_journal_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_id" uuid NOT NULL,
	"source" text NOT NULL,
	"ref" text,
	"changes" jsonb NOT NULL,
	"applied_at" timestamp with time zone NOT NULL,
	"undone_at" timestamp with time zone,
	"undone_via" text
);
--> statement-breakpoint
-- Nothing a user did is lost: the two old undo journals (a reply's "changes", a link's
-- digest_actions row) become entries of the one journal, in the order they were applied.
-- A link row kept only the mark before the first click; its "after" is the mark standing now
-- when it is still the link's, else the mark the click wrote (so an undo never restores over a
-- later change).
INSERT INTO "verdict_journal" ("user_id", "source", "ref", "changes", "applied_at", "undone_at", "undone_via")
SELECT "user_id", "source", "ref", "changes", "applied_at", "undone_at", "undone_via" FROM (
  SELECT r."user_id", 'reply' AS "source", r."id"::text AS "ref",
         (SELECT jsonb_agg(CASE WHEN c->>'kind' = 'settings' THEN c || '{"kind":"list"}'::jsonb ELSE c || '{"kind":"mark"}'::jsonb END ORDER BY n)
            FROM jsonb_array_elements(r."changes") WITH ORDINALITY AS e(c, n)) AS "changes",
         coalesce(r."confirmed_at", r."created_at") AS "applied_at",
         r."undone_at",
         CASE WHEN r."undone_at" IS NOT NULL THEN 'reply' END AS "undone_via"
    FROM "inbound_replies" r
   WHERE r."user_id" IS NOT NULL AND jsonb_typeof(r."changes") = 'array' AND jsonb_array_length(r."changes") > 0
  UNION ALL
  SELECT a."user_id", 'link', a."digest_id"::text || '/' || a."position"::text,
         jsonb_build_array(jsonb_build_object(
           'kind', 'mark', 'contact', a."contact", 'name', coalesce(i."name", i."email", a."contact"), 'position', a."position", 'verb', a."verb",
           'before', a."before",
           'after', CASE WHEN m."status" = (CASE a."verb" WHEN 'snooze' THEN 'snoozed' ELSE a."verb" END)
                         THEN jsonb_build_object('status', m."status", 'markedAt', m."marked_at", 'until', m."until")
                         ELSE jsonb_build_object('status', CASE a."verb" WHEN 'snooze' THEN 'snoozed' ELSE a."verb" END, 'markedAt', a."applied_at", 'until', NULL) END)),
         a."applied_at", NULL, NULL
    FROM "digest_actions" a
    LEFT JOIN "digest_items" i ON i."digest_id" = a."digest_id" AND i."position" = a."position"
    LEFT JOIN "contact_marks" m ON m."user_id" = a."user_id" AND m."contact" = a."contact"
) AS old
ORDER BY "applied_at";
--> statement-breakpoint
ALTER TABLE "digest_actions" DISABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP TABLE "digest_actions" CASCADE;--> statement-breakpoint
ALTER TABLE "contact_marks" ALTER COLUMN "status" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "contact_marks" ALTER COLUMN "marked_at" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "contact_marks" ADD COLUMN "met_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "contact_marks" ADD COLUMN "cadence_days" real;--> statement-breakpoint
ALTER TABLE "verdict_journal" ADD CONSTRAINT "verdict_journal_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "verdict_journal_user" ON "verdict_journal" USING btree ("user_id","seq");--> statement-breakpoint
CREATE INDEX "verdict_journal_ref" ON "verdict_journal" USING btree ("user_id","source","ref");--> statement-breakpoint
ALTER TABLE "inbound_replies" DROP COLUMN "changes";--> statement-breakpoint
ALTER TABLE "inbound_replies" DROP COLUMN "undone_at";