CREATE TABLE "refusal_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"points" integer DEFAULT 0 NOT NULL,
	"expire" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "refusal_limits_expire_idx" ON "refusal_limits" USING btree ("expire");