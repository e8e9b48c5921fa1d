CREATE TABLE "address_evidence" (
	"user_id" uuid NOT NULL,
	"alias" text NOT NULL,
	"target" text NOT NULL,
	"account_id" uuid NOT NULL,
	"seen" integer NOT NULL,
	CONSTRAINT "address_evidence_user_id_alias_target_account_id_pk" PRIMARY KEY("user_id","alias","target","account_id")
);
--> statement-breakpoint
CREATE TABLE "pending_interactions" (
	"user_id" uuid NOT NULL,
	"source_key" text NOT NULL,
	"alias" text NOT NULL,
	"kind" text NOT NULL,
	"account_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"weight" real NOT NULL,
	"contact_name" text,
	"participants" integer NOT NULL,
	"thread_key" text,
	"subject" text,
	CONSTRAINT "pending_interactions_user_id_alias_source_key_kind_pk" PRIMARY KEY("user_id","alias","source_key","kind")
);
--> statement-breakpoint
ALTER TABLE "address_evidence" ADD CONSTRAINT "address_evidence_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "address_evidence" ADD CONSTRAINT "address_evidence_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pending_interactions" ADD CONSTRAINT "pending_interactions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pending_interactions" ADD CONSTRAINT "pending_interactions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "address_evidence_target" ON "address_evidence" USING btree ("user_id","target");