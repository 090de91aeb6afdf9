-- Custom migration (hand-written): the history of a disclosure request is append-only.
-- UPDATE and TRUNCATE are always refused. DELETE is refused unless it is the cascade of deleting
-- the request itself (a retention purge of a closed request removes it with its history as a
-- whole); the cascade runs inside the foreign key's own trigger, hence pg_trigger_depth() > 1.
CREATE OR REPLACE FUNCTION disclosure_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'disclosure_events is append-only: % refused', TG_OP
    USING ERRCODE = 'restrict_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER disclosure_events_no_update_delete
  BEFORE UPDATE OR DELETE ON disclosure_events
  FOR EACH ROW EXECUTE FUNCTION disclosure_events_append_only();
--> statement-breakpoint
CREATE TRIGGER disclosure_events_no_truncate
  BEFORE TRUNCATE ON disclosure_events
  FOR EACH STATEMENT EXECUTE FUNCTION disclosure_events_append_only();
