CREATE TABLE "audit_checkpoints" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"row_hash" text NOT NULL,
	"signed_at_ms" bigint NOT NULL,
	"key_id" text NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at_ms" bigint NOT NULL,
	"request_id" text NOT NULL,
	"operation_name" text,
	"document_hash" text,
	"principal_kind" text NOT NULL,
	"principal_id" text,
	"principal_roles" text[] NOT NULL,
	"purpose" text,
	"subject" text,
	"type_name" text NOT NULL,
	"fields" text[] NOT NULL,
	"category" text,
	"outcome" text NOT NULL,
	"basis" text,
	"basis_ref" text,
	"rule" text NOT NULL,
	"via_router" boolean NOT NULL,
	"row_hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_subject_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"patron_id" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"pads" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_events_subject_idx" ON "audit_events" USING btree ("subject","seq");--> statement-breakpoint
CREATE INDEX "audit_events_principal_idx" ON "audit_events" USING btree ("principal_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_basis_ref_idx" ON "audit_events" USING btree ("basis_ref");--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at_ms");--> statement-breakpoint
CREATE UNIQUE INDEX "audit_subject_keys_patron_period" ON "audit_subject_keys" USING btree ("patron_id","period_start");--> statement-breakpoint
CREATE INDEX "audit_subject_keys_end_idx" ON "audit_subject_keys" USING btree ("period_end");