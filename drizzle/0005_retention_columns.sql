ALTER TABLE "payments" ALTER COLUMN "processor_token" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "loans" ADD COLUMN "patron_age_band" text;--> statement-breakpoint
ALTER TABLE "fines" ADD COLUMN "branch" text;--> statement-breakpoint
ALTER TABLE "fines" ADD COLUMN "item_type" text;--> statement-breakpoint
ALTER TABLE "fines" ADD COLUMN "patron_age_band" text;--> statement-breakpoint
ALTER TABLE "reference_consults" ADD COLUMN "patron_age_band" text;--> statement-breakpoint
CREATE INDEX "loans_linked_returned_idx" ON "loans" USING btree ("id") WHERE "loans"."patron_id" IS NOT NULL AND "loans"."returned_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "fines_linked_closed_idx" ON "fines" USING btree ("id") WHERE "fines"."patron_id" IS NOT NULL AND "fines"."status" <> 'OWED';--> statement-breakpoint
CREATE INDEX "consults_finished_unredacted_idx" ON "reference_consults" USING btree ("id") WHERE "reference_consults"."status" = 'FINISHED' AND "reference_consults"."anonymised_at" IS NULL;