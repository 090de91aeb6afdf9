ALTER TABLE "audit_events" ADD COLUMN "format" smallint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "subjects" text[];--> statement-breakpoint
-- Edited by hand: the generated ADD COLUMN ... NOT NULL cannot run on a table with keys. The
-- column is added, filled from each key (audit_pseudonym, migration 0004), then made NOT NULL.
ALTER TABLE "audit_subject_keys" ADD COLUMN "pseudonym" text;--> statement-breakpoint
UPDATE "audit_subject_keys" SET "pseudonym" = audit_pseudonym("pads", "patron_id");--> statement-breakpoint
ALTER TABLE "audit_subject_keys" ALTER COLUMN "pseudonym" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_events_subjects_idx" ON "audit_events" USING gin ("subjects");