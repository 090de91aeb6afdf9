-- Custom migration (hand-written): the audit log's append function, pseudonyms and append-only
-- triggers. Plain PostgreSQL (sha256() is built in since 11, gen_random_uuid() since 13): no
-- extension, so the same SQL runs on PGlite and on PostgreSQL 15+.

-- A JSON literal of a text value, 'null' for SQL NULL. to_json escapes exactly as JavaScript's
-- JSON.stringify does (\" \\ \b \f \n \r \t, other control characters as \u00xx), so the
-- verifier in TypeScript rebuilds the canonical text byte for byte.
CREATE FUNCTION audit_json(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(to_json(v)::text, 'null')
$$;
--> statement-breakpoint

-- HMAC-SHA256(key, patron_id) from the key's precomputed inner and outer pads (see audit.sql.ts).
CREATE FUNCTION audit_pseudonym(pads bytea, patron_id text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT encode(sha256(substring(pads FROM 65 FOR 64) || sha256(substring(pads FROM 1 FOR 64) || convert_to(patron_id, 'UTF8'))), 'hex')
$$;
--> statement-breakpoint

-- A fresh 256-bit key (two v4 UUIDs from the server's strong random source, hashed), returned as
-- its HMAC inner pad || outer pad. The key itself is never stored.
CREATE FUNCTION audit_new_key_pads() RETURNS bytea LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  k bytea := sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8'));
  ipad bytea := decode(repeat('36', 64), 'hex');
  opad bytea := decode(repeat('5c', 64), 'hex');
BEGIN
  FOR i IN 0..31 LOOP
    ipad := set_byte(ipad, i, get_byte(k, i) # 54);
    opad := set_byte(opad, i, get_byte(k, i) # 92);
  END LOOP;
  RETURN ipad || opad;
END
$$;
--> statement-breakpoint

-- Appends one request's audit rows in one round trip. The transaction-scoped advisory lock makes
-- this the only writer of the chain for its duration, across every server process sharing the
-- database, so seq has no gap and each row hashes its true predecessor.
-- batch: a JSON array of objects {atMs, requestId, operationName, documentHash, principalKind,
-- principalId, principalPatron, principalRoles[], purpose, subject, typeName, fields[], category,
-- outcome, basis, basisRef, rule, viaRouter}; subject and principalPatron are raw patron ids that
-- never reach the table: they are replaced by their pseudonym for the month of atMs.
CREATE FUNCTION audit_append(batch jsonb) RETURNS TABLE (last_seq bigint, last_hash text) LANGUAGE plpgsql AS $$
DECLARE
  head_seq bigint;
  head_hash text;
  at_ms bigint := (batch->0->>'atMs')::bigint;
  period timestamptz := date_trunc('month', to_timestamp(at_ms / 1000.0), 'UTC');
  names jsonb;
  e jsonb;
  subj text;
  pid text;
  roles text[];
  flds text[];
  canon text;
BEGIN
  PERFORM pg_advisory_xact_lock(72001002);

  INSERT INTO audit_subject_keys (id, patron_id, period_start, period_end, pads)
  SELECT 'ask_' || replace(gen_random_uuid()::text, '-', ''), p, period, period + interval '1 month', audit_new_key_pads()
  FROM (SELECT x->>'subject' FROM jsonb_array_elements(batch) x UNION SELECT x->>'principalPatron' FROM jsonb_array_elements(batch) x) d(p)
  WHERE p IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM audit_subject_keys k WHERE k.patron_id = d.p AND k.period_start = period)
  ON CONFLICT (patron_id, period_start) DO NOTHING;

  SELECT coalesce(jsonb_object_agg(k.patron_id, audit_pseudonym(k.pads, k.patron_id)), '{}'::jsonb) INTO names
  FROM audit_subject_keys k
  WHERE k.period_start = period
    AND k.patron_id IN (SELECT x->>'subject' FROM jsonb_array_elements(batch) x UNION SELECT x->>'principalPatron' FROM jsonb_array_elements(batch) x);

  SELECT a.seq, a.row_hash INTO head_seq, head_hash FROM audit_events a ORDER BY a.seq DESC LIMIT 1;
  head_seq := coalesce(head_seq, 0);
  head_hash := coalesce(head_hash, repeat('0', 64));

  FOR e IN SELECT value FROM jsonb_array_elements(batch) LOOP
    head_seq := head_seq + 1;
    subj := names->>(e->>'subject');
    pid := CASE WHEN e->>'principalPatron' IS NOT NULL THEN names->>(e->>'principalPatron') ELSE e->>'principalId' END;
    roles := ARRAY(SELECT jsonb_array_elements_text(e->'principalRoles'));
    flds := ARRAY(SELECT jsonb_array_elements_text(e->'fields'));
    -- The canonical text: a JSON array in column order (see src/audit/canonical.ts).
    canon := '[' || head_seq || ',' || at_ms || ',' || audit_json(e->>'requestId') || ',' || audit_json(e->>'operationName')
      || ',' || audit_json(e->>'documentHash') || ',' || audit_json(e->>'principalKind') || ',' || audit_json(pid)
      || ',' || array_to_json(roles)::text || ',' || audit_json(e->>'purpose') || ',' || audit_json(subj)
      || ',' || audit_json(e->>'typeName') || ',' || array_to_json(flds)::text || ',' || audit_json(e->>'category')
      || ',' || audit_json(e->>'outcome') || ',' || audit_json(e->>'basis') || ',' || audit_json(e->>'basisRef')
      || ',' || audit_json(e->>'rule') || ',' || ((e->>'viaRouter')::boolean)::text || ']';
    head_hash := encode(sha256(convert_to(head_hash || canon, 'UTF8')), 'hex');
    INSERT INTO audit_events (seq, at_ms, request_id, operation_name, document_hash, principal_kind, principal_id,
      principal_roles, purpose, subject, type_name, fields, category, outcome, basis, basis_ref, rule, via_router, row_hash)
    VALUES (head_seq, at_ms, e->>'requestId', e->>'operationName', e->>'documentHash', e->>'principalKind', pid,
      roles, e->>'purpose', subj, e->>'typeName', flds, e->>'category', e->>'outcome', e->>'basis', e->>'basisRef',
      e->>'rule', (e->>'viaRouter')::boolean, head_hash);
  END LOOP;

  last_seq := head_seq;
  last_hash := head_hash;
  RETURN NEXT;
END
$$;
--> statement-breakpoint

-- The pseudonyms of a patron under every key still alive (for "who accessed patron X").
CREATE FUNCTION audit_pseudonyms_of(patron text) RETURNS SETOF text LANGUAGE sql STABLE AS $$
  SELECT audit_pseudonym(k.pads, k.patron_id) FROM audit_subject_keys k WHERE k.patron_id = patron
$$;
--> statement-breakpoint

-- Append-only: UPDATE, DELETE and TRUNCATE are refused (TRUNCATE fires no row trigger, so it has
-- its own statement trigger). A superuser can still disable triggers: the hash chain and the
-- signed checkpoints are what detect that.
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
