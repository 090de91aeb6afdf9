-- Custom migration (hand-written): the audit log's writes for a server that does not own it.
-- The server runs as a runtime role (npm run db:roles creates it and grants it SELECT on the audit
-- tables and nothing that changes a row); these owner-defined functions are its only ways in.
-- SECURITY DEFINER functions pin their search_path (public, then pg_temp last) so that no object
-- the caller creates can stand in for one of ours, and EXECUTE is revoked from PUBLIC: only the
-- roles db:roles names may call them. A later CREATE OR REPLACE of one of them must repeat
-- SECURITY DEFINER and the SET clause (a replacement resets both; the grants survive).

ALTER FUNCTION audit_append_requests(jsonb) SECURITY DEFINER SET search_path = public, pg_temp;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION audit_append_requests(jsonb) FROM PUBLIC;
--> statement-breakpoint

-- Retention's crypto-shredding: destroys pseudonym keys of months that ended at or before `before`,
-- or of the listed patrons, or both criteria together; nothing else. Refuses to run with neither
-- (a mistake must not shred every key). Returns how many keys were destroyed.
CREATE FUNCTION audit_shred_subject_keys(before timestamptz, patron_ids text[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  gone integer;
BEGIN
  IF before IS NULL AND patron_ids IS NULL THEN
    RAISE EXCEPTION 'audit_shred_subject_keys needs before or patron_ids' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  DELETE FROM audit_subject_keys k
  WHERE (before IS NULL OR k.period_end <= before)
    AND (patron_ids IS NULL OR k.patron_id = ANY (patron_ids));
  GET DIAGNOSTICS gone = ROW_COUNT;
  RETURN gone;
END
$$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION audit_shred_subject_keys(timestamptz, text[]) FROM PUBLIC;
