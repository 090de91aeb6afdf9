-- Custom migration (hand-written): format 2 of the audit log, one row per decision group.
-- Format 1 wrote one row per (patron, type, category, decision): a 100-patron page was ~300 rows,
-- each canonicalised and hashed while holding the chain's lock, so every request of every process
-- queued behind ~35 ms of hashing. Format 2 writes one row per (type, fields, category, outcome,
-- basis, basis_ref, rule) listing the pseudonyms of all the patrons it was about, does all the
-- per-patron work (keys, pseudonyms, canonical text) BEFORE taking the lock, and appends the
-- requests that queued up meanwhile together.
--
-- request: {atMs, requestId, operationName, documentHash, principalKind, principalId,
-- principalPatron, principalRoles[], purpose, viaRouter, groups: [{typeName, fields[], category,
-- outcome, basis, basisRef, rule, subjects[]}]}; subjects and principalPatron are raw patron ids
-- that never reach the table: each becomes its pseudonym for the month of atMs.
-- The canonical text of a format-2 row is the JSON array
--   [2, seq, atMs, requestId, operationName, documentHash, principalKind, principalId,
--    principalRoles, purpose, subjects, typeName, fields, category, outcome, basis, basisRef, rule, viaRouter]
-- (src/audit/canonical.ts rebuilds it; format-1 rows keep their own form).

-- A row on its way into the log: every column but seq and row_hash, and the canonical text that
-- follows "[2,<seq>," (everything after seq is known before the chain's lock is taken).
CREATE TYPE audit_pending_row AS (
  at_ms bigint, request_id text, operation_name text, document_hash text, principal_kind text, principal_id text,
  principal_roles text[], purpose text, subjects text[], type_name text, fields text[], category text, outcome text,
  basis text, basis_ref text, rule text, via_router boolean, canonical_tail text
);
--> statement-breakpoint

-- One request's rows, pseudonymised, in the request's group order. No lock: a (patron, month) key
-- is created at most once (unique index), whichever process gets there first; usually every key
-- exists, and one indexed lookup gives every pseudonym (computed when its key was made, 0007).
CREATE FUNCTION audit_pending_rows(request jsonb) RETURNS audit_pending_row[] LANGUAGE plpgsql AS $$
DECLARE
  at_ms bigint := (request->>'atMs')::bigint;
  period timestamptz := date_trunc('month', to_timestamp(at_ms / 1000.0), 'UTC');
  patrons text[];
  names jsonb;
  found int;
  principal_id text;
  head text;
BEGIN
  patrons := ARRAY(
    SELECT s FROM jsonb_array_elements(request->'groups') g, jsonb_array_elements_text(g->'subjects') s
    UNION SELECT request->>'principalPatron' WHERE request->>'principalPatron' IS NOT NULL);
  FOR attempt IN 1..2 LOOP
    SELECT coalesce(jsonb_object_agg(k.patron_id, k.pseudonym), '{}'::jsonb), count(*) INTO names, found
    FROM audit_subject_keys k WHERE k.period_start = period AND k.patron_id = ANY(patrons);
    EXIT WHEN found = cardinality(patrons);
    INSERT INTO audit_subject_keys (id, patron_id, period_start, period_end, pads, pseudonym)
    SELECT 'ask_' || replace(gen_random_uuid()::text, '-', ''), x.p, period, period + interval '1 month', x.pads, audit_pseudonym(x.pads, x.p)
    FROM (SELECT p, audit_new_key_pads() AS pads FROM unnest(patrons) p
          WHERE NOT EXISTS (SELECT 1 FROM audit_subject_keys k WHERE k.patron_id = p AND k.period_start = period)) x
    ON CONFLICT (patron_id, period_start) DO NOTHING;
  END LOOP;

  principal_id := CASE WHEN request->>'principalPatron' IS NOT NULL THEN names->>(request->>'principalPatron') ELSE request->>'principalId' END;
  head := at_ms || ',' || audit_json(request->>'requestId') || ',' || audit_json(request->>'operationName')
    || ',' || audit_json(request->>'documentHash') || ',' || audit_json(request->>'principalKind') || ',' || audit_json(principal_id)
    || ',' || array_to_json(ARRAY(SELECT jsonb_array_elements_text(request->'principalRoles')))::text
    || ',' || audit_json(request->>'purpose') || ',';
  -- Subjects sorted in byte order, so the stored array is the same whatever the collation.
  RETURN ARRAY(
    SELECT ROW(at_ms, request->>'requestId', request->>'operationName', request->>'documentHash', request->>'principalKind',
        principal_id, ARRAY(SELECT jsonb_array_elements_text(request->'principalRoles')), request->>'purpose', g.subjects,
        g.e->>'typeName', g.fields, g.e->>'category', g.e->>'outcome', g.e->>'basis', g.e->>'basisRef', g.e->>'rule',
        (request->>'viaRouter')::boolean,
        head || array_to_json(g.subjects)::text || ',' || audit_json(g.e->>'typeName') || ',' || array_to_json(g.fields)::text
        || ',' || audit_json(g.e->>'category') || ',' || audit_json(g.e->>'outcome') || ',' || audit_json(g.e->>'basis')
        || ',' || audit_json(g.e->>'basisRef') || ',' || audit_json(g.e->>'rule') || ',' || ((request->>'viaRouter')::boolean)::text || ']'
      )::audit_pending_row
    FROM (
      SELECT x.i, x.e, ARRAY(SELECT jsonb_array_elements_text(x.e->'fields')) AS fields,
        ARRAY(SELECT names->>s FROM jsonb_array_elements_text(x.e->'subjects') s ORDER BY names->>s COLLATE "C") AS subjects
      FROM jsonb_array_elements(request->'groups') WITH ORDINALITY AS x(e, i)
    ) g
    ORDER BY g.i);
END
$$;
--> statement-breakpoint

-- Appends the rows of several requests (a JSON array of them, in order) in one transaction: the
-- writer of each server process sends the requests that finished while its previous append was in
-- flight, so one lock, one INSERT and one commit's disk flush serve them all (group commit).
CREATE FUNCTION audit_append_requests(requests jsonb) RETURNS TABLE (last_seq bigint, last_hash text) LANGUAGE plpgsql AS $$
DECLARE
  request jsonb;
  pending audit_pending_row[] := ARRAY[]::audit_pending_row[];
  head_seq bigint;
  head_hash text;
  hashes text[] := ARRAY[]::text[];
  n int;
BEGIN
  FOR request IN SELECT value FROM jsonb_array_elements(requests) LOOP
    pending := pending || audit_pending_rows(request);
  END LOOP;

  -- The chain: one writer at a time across every process (transaction-scoped advisory lock).
  -- Under it remain reading the head, one sha256 per row, and the INSERT.
  PERFORM pg_advisory_xact_lock(72001002);
  SELECT a.seq, a.row_hash INTO head_seq, head_hash FROM audit_events a ORDER BY a.seq DESC LIMIT 1;
  head_seq := coalesce(head_seq, 0);
  head_hash := coalesce(head_hash, repeat('0', 64));
  n := coalesce(array_length(pending, 1), 0);
  FOR i IN 1..n LOOP
    head_hash := encode(sha256(convert_to(head_hash || '[2,' || (head_seq + i) || ',' || (pending[i]).canonical_tail, 'UTF8')), 'hex');
    hashes[i] := head_hash;
  END LOOP;
  INSERT INTO audit_events (seq, format, at_ms, request_id, operation_name, document_hash, principal_kind, principal_id,
    principal_roles, purpose, subject, subjects, type_name, fields, category, outcome, basis, basis_ref, rule, via_router, row_hash)
  SELECT head_seq + p.i, 2, p.at_ms, p.request_id, p.operation_name, p.document_hash, p.principal_kind, p.principal_id,
    p.principal_roles, p.purpose, NULL, p.subjects, p.type_name, p.fields, p.category, p.outcome, p.basis, p.basis_ref,
    p.rule, p.via_router, hashes[p.i]
  FROM unnest(pending) WITH ORDINALITY AS p(at_ms, request_id, operation_name, document_hash, principal_kind, principal_id,
    principal_roles, purpose, subjects, type_name, fields, category, outcome, basis, basis_ref, rule, via_router, canonical_tail, i)
  ORDER BY p.i;
  last_seq := head_seq + n;
  last_hash := head_hash;
  RETURN NEXT;
END
$$;
--> statement-breakpoint

-- Format 1's writer: nothing calls it any more (a process still running the previous release gets
-- an error, and its audit plugin answers 503 AUDIT_UNAVAILABLE rather than serve unrecorded).
DROP FUNCTION audit_append(jsonb);
--> statement-breakpoint

-- A group's pseudonyms are 100 random hex strings for a 100-patron page: compressing them costs
-- more CPU than the bytes it saves. Stored out of line, uncompressed.
ALTER TABLE audit_events ALTER COLUMN subjects SET STORAGE EXTERNAL;
--> statement-breakpoint

-- The pseudonyms of a patron under every key still alive, now read instead of recomputed.
CREATE OR REPLACE FUNCTION audit_pseudonyms_of(patron text) RETURNS SETOF text LANGUAGE sql STABLE AS $$
  SELECT k.pseudonym FROM audit_subject_keys k WHERE k.patron_id = patron
$$;
--> statement-breakpoint

-- Rows about a patron, whichever format: the pseudonyms of every key still alive, matched against
-- format 1's subject and format 2's subjects (GIN index).
CREATE FUNCTION audit_events_about(patron text) RETURNS SETOF bigint LANGUAGE sql STABLE AS $$
  SELECT e.seq FROM audit_events e WHERE e.subject IN (SELECT audit_pseudonyms_of(patron))
  UNION
  SELECT e.seq FROM audit_events e WHERE e.subjects && ARRAY(SELECT audit_pseudonyms_of(patron))
$$;
