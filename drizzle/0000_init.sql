CREATE TABLE "loans" (
	"id" text PRIMARY KEY NOT NULL,
	"patron_id" text,
	"item_id" text NOT NULL,
	"item_type" text NOT NULL,
	"branch" text NOT NULL,
	"checked_out_at" timestamp with time zone DEFAULT now() NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"returned_at" timestamp with time zone,
	"anonymised_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "designations" (
	"id" text PRIMARY KEY NOT NULL,
	"director_id" text NOT NULL,
	"alternate_id" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" text
);
--> statement-breakpoint
CREATE TABLE "disclosure_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"sequence" integer NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"actor_id" text NOT NULL,
	"actor_role" text NOT NULL,
	"authority" text,
	"designation_id" text,
	"note" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "disclosure_request_patrons" (
	"request_id" text NOT NULL,
	"patron_id" text NOT NULL,
	CONSTRAINT "disclosure_request_patrons_request_id_patron_id_pk" PRIMARY KEY("request_id","patron_id")
);
--> statement-breakpoint
CREATE TABLE "disclosure_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"requester_id" text NOT NULL,
	"requester_name" text NOT NULL,
	"agency" text NOT NULL,
	"instrument" text NOT NULL,
	"instrument_reference" text,
	"issuing_authority" text,
	"categories" text[] NOT NULL,
	"scope_from" timestamp with time zone,
	"scope_to" timestamp with time zone,
	"status" text NOT NULL,
	"received_by" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" text,
	"decision_authority" text,
	"designation_id" text,
	"decided_at" timestamp with time zone,
	"decision_note" text,
	"access_expires_at" timestamp with time zone,
	"nondisclosure_until" timestamp with time zone,
	"emergency_justification" text,
	"ratified_at" timestamp with time zone,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "fines" (
	"id" text PRIMARY KEY NOT NULL,
	"patron_id" text,
	"loan_id" text,
	"amount_cents" integer NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'OWED' NOT NULL,
	"assessed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	"waived_by" text,
	"waiver_reason" text,
	"anonymised_at" timestamp with time zone,
	CONSTRAINT "fines_amount_positive" CHECK ("fines"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" text PRIMARY KEY NOT NULL,
	"fine_id" text NOT NULL,
	"amount_cents" integer NOT NULL,
	"processor_token" text NOT NULL,
	"card_last4" text,
	"paid_at" timestamp with time zone DEFAULT now() NOT NULL,
	"received_by" text NOT NULL,
	CONSTRAINT "payments_last4_format" CHECK ("payments"."card_last4" IS NULL OR "payments"."card_last4" ~ '^[0-9]{4}$')
);
--> statement-breakpoint
CREATE TABLE "consents" (
	"id" text PRIMARY KEY NOT NULL,
	"patron_id" text NOT NULL,
	"requester_id" text NOT NULL,
	"categories" text[] NOT NULL,
	"granted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "guardian_grants" (
	"id" text PRIMARY KEY NOT NULL,
	"child_id" text NOT NULL,
	"guardian_id" text NOT NULL,
	"categories" text[] NOT NULL,
	"granted_by" text NOT NULL,
	"granted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "patrons" (
	"id" text PRIMARY KEY NOT NULL,
	"card_number" text NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"phone" text,
	"address_line1" text,
	"address_line2" text,
	"city" text,
	"region" text,
	"postal_code" text,
	"birth_date" date NOT NULL,
	"status" text DEFAULT 'ACTIVE' NOT NULL,
	"card_expires_on" date NOT NULL,
	"notify_by_email" boolean DEFAULT false NOT NULL,
	"notify_by_sms" boolean DEFAULT false NOT NULL,
	"keep_checkout_history" boolean DEFAULT false NOT NULL,
	"pin_hash" text,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "patrons_card_number_unique" UNIQUE("card_number")
);
--> statement-breakpoint
CREATE TABLE "reference_consults" (
	"id" text PRIMARY KEY NOT NULL,
	"patron_id" text,
	"librarian_id" text NOT NULL,
	"channel" text NOT NULL,
	"question" text NOT NULL,
	"answer_summary" text,
	"status" text DEFAULT 'OPEN' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"anonymised_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "vendor_enrolments" (
	"id" text PRIMARY KEY NOT NULL,
	"vendor_id" text NOT NULL,
	"patron_id" text NOT NULL,
	"enrolled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "vendor_pin_failures" (
	"vendor_id" text NOT NULL,
	"patron_id" text NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp with time zone,
	"last_failure_at" timestamp with time zone,
	CONSTRAINT "vendor_pin_failures_vendor_id_patron_id_pk" PRIMARY KEY("vendor_id","patron_id")
);
--> statement-breakpoint
CREATE TABLE "vendors" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"scopes" text[] NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "loans" ADD CONSTRAINT "loans_patron_id_patrons_id_fk" FOREIGN KEY ("patron_id") REFERENCES "public"."patrons"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disclosure_events" ADD CONSTRAINT "disclosure_events_request_id_disclosure_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."disclosure_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disclosure_request_patrons" ADD CONSTRAINT "disclosure_request_patrons_request_id_disclosure_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."disclosure_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disclosure_request_patrons" ADD CONSTRAINT "disclosure_request_patrons_patron_id_patrons_id_fk" FOREIGN KEY ("patron_id") REFERENCES "public"."patrons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disclosure_requests" ADD CONSTRAINT "disclosure_requests_designation_id_designations_id_fk" FOREIGN KEY ("designation_id") REFERENCES "public"."designations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fines" ADD CONSTRAINT "fines_patron_id_patrons_id_fk" FOREIGN KEY ("patron_id") REFERENCES "public"."patrons"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fines" ADD CONSTRAINT "fines_loan_id_loans_id_fk" FOREIGN KEY ("loan_id") REFERENCES "public"."loans"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_fine_id_fines_id_fk" FOREIGN KEY ("fine_id") REFERENCES "public"."fines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_patron_id_patrons_id_fk" FOREIGN KEY ("patron_id") REFERENCES "public"."patrons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guardian_grants" ADD CONSTRAINT "guardian_grants_child_id_patrons_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."patrons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guardian_grants" ADD CONSTRAINT "guardian_grants_guardian_id_patrons_id_fk" FOREIGN KEY ("guardian_id") REFERENCES "public"."patrons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reference_consults" ADD CONSTRAINT "reference_consults_patron_id_patrons_id_fk" FOREIGN KEY ("patron_id") REFERENCES "public"."patrons"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vendor_enrolments" ADD CONSTRAINT "vendor_enrolments_vendor_id_vendors_id_fk" FOREIGN KEY ("vendor_id") REFERENCES "public"."vendors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vendor_enrolments" ADD CONSTRAINT "vendor_enrolments_patron_id_patrons_id_fk" FOREIGN KEY ("patron_id") REFERENCES "public"."patrons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vendor_pin_failures" ADD CONSTRAINT "vendor_pin_failures_vendor_id_vendors_id_fk" FOREIGN KEY ("vendor_id") REFERENCES "public"."vendors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vendor_pin_failures" ADD CONSTRAINT "vendor_pin_failures_patron_id_patrons_id_fk" FOREIGN KEY ("patron_id") REFERENCES "public"."patrons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "loans_patron_idx" ON "loans" USING btree ("patron_id","checked_out_at");--> statement-breakpoint
CREATE INDEX "loans_returned_idx" ON "loans" USING btree ("returned_at");--> statement-breakpoint
CREATE INDEX "designations_alternate_idx" ON "designations" USING btree ("alternate_id");--> statement-breakpoint
CREATE UNIQUE INDEX "disclosure_events_seq" ON "disclosure_events" USING btree ("request_id","sequence");--> statement-breakpoint
CREATE INDEX "disclosure_request_patrons_patron_idx" ON "disclosure_request_patrons" USING btree ("patron_id");--> statement-breakpoint
CREATE INDEX "disclosure_requests_status_idx" ON "disclosure_requests" USING btree ("status");--> statement-breakpoint
CREATE INDEX "disclosure_requests_requester_idx" ON "disclosure_requests" USING btree ("requester_id");--> statement-breakpoint
CREATE INDEX "fines_patron_idx" ON "fines" USING btree ("patron_id","assessed_at");--> statement-breakpoint
CREATE INDEX "fines_loan_idx" ON "fines" USING btree ("loan_id");--> statement-breakpoint
CREATE INDEX "payments_fine_idx" ON "payments" USING btree ("fine_id");--> statement-breakpoint
CREATE INDEX "consents_patron_idx" ON "consents" USING btree ("patron_id","requester_id");--> statement-breakpoint
CREATE INDEX "guardian_grants_child_idx" ON "guardian_grants" USING btree ("child_id","guardian_id");--> statement-breakpoint
CREATE INDEX "patrons_name_idx" ON "patrons" USING btree ("name","id");--> statement-breakpoint
CREATE INDEX "patrons_email_idx" ON "patrons" USING btree ("email");--> statement-breakpoint
CREATE INDEX "consults_patron_idx" ON "reference_consults" USING btree ("patron_id","started_at");--> statement-breakpoint
CREATE INDEX "consults_librarian_idx" ON "reference_consults" USING btree ("librarian_id");--> statement-breakpoint
CREATE UNIQUE INDEX "vendor_enrolments_unique" ON "vendor_enrolments" USING btree ("vendor_id","patron_id");--> statement-breakpoint
CREATE INDEX "vendor_enrolments_patron_idx" ON "vendor_enrolments" USING btree ("patron_id");