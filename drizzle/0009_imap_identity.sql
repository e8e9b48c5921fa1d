DROP INDEX "accounts_provider_email";--> statement-breakpoint
-- IMAP accounts made before: their identity is their server and login (the oldest keeps it when two share one).
UPDATE "accounts" a SET "subject" = x.identity
  FROM (SELECT id, identity, row_number() OVER (PARTITION BY identity ORDER BY created_at, id) AS rank
          FROM (SELECT id, created_at,
                       rtrim(lower(btrim(imap_server->>'host')), '.') || ':' || (imap_server->>'port') || '/' || btrim(imap_server->>'user') AS identity
                  FROM "accounts" WHERE provider = 'imap' AND imap_server IS NOT NULL) s) x
 WHERE a.id = x.id AND x.rank = 1;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_imap_subject" ON "accounts" USING btree ("provider","subject") WHERE provider = 'imap';--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_provider_email" ON "accounts" USING btree ("provider","email") WHERE provider <> 'imap';
