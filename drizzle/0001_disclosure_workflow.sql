ALTER TABLE "disclosure_events" ADD COLUMN "action" text NOT NULL;--> statement-breakpoint
ALTER TABLE "disclosure_requests" ADD COLUMN "ratification_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "disclosure_requests" ADD COLUMN "repudiated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "disclosure_requests" ADD COLUMN "emergency_reviewed_by" text;--> statement-breakpoint
CREATE INDEX "disclosure_requests_expiry_idx" ON "disclosure_requests" USING btree ("status","access_expires_at");