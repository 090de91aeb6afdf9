-- Custom migration (hand-written): audit_append, same contract and byte-identical rows and hashes
-- as 0004, written set-based. 0004 ran one INSERT per row inside the advisory lock; a 100-patron
-- page writes ~200 rows, so the lock was held for ~200 statement executions per request and every
-- concurrent request queued behind it. Here the canonical texts are built in one SELECT, the loop
-- that remains only chains the hashes (it must: each row hashes its predecessor), and the rows go
-- in with one INSERT ... SELECT.
CREATE OR REPLACE FUNCTION audit_append(batch jsonb) RETURNS TABLE (last_seq bigint, last_hash text) LANGUAGE plpgsql AS $$
DECLARE
  head_seq bigint;
  head_hash text;
  at_ms bigint := (batch->0->>'atMs')::bigint;
  period timestamptz := date_trunc('month', to_timestamp(at_ms / 1000.0), 'UTC');
  names jsonb;
  canons text[];
  hashes text[];
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

  -- The canonical text of each row (a JSON array in column order, see src/audit/canonical.ts).
  SELECT array_agg(
      '[' || (head_seq + r.i) || ',' || at_ms || ',' || audit_json(r.e->>'requestId') || ',' || audit_json(r.e->>'operationName')
      || ',' || audit_json(r.e->>'documentHash') || ',' || audit_json(r.e->>'principalKind') || ',' || audit_json(r.pid)
      || ',' || array_to_json(r.roles)::text || ',' || audit_json(r.e->>'purpose') || ',' || audit_json(r.subj)
      || ',' || audit_json(r.e->>'typeName') || ',' || array_to_json(r.flds)::text || ',' || audit_json(r.e->>'category')
      || ',' || audit_json(r.e->>'outcome') || ',' || audit_json(r.e->>'basis') || ',' || audit_json(r.e->>'basisRef')
      || ',' || audit_json(r.e->>'rule') || ',' || ((r.e->>'viaRouter')::boolean)::text || ']'
      ORDER BY r.i)
  INTO canons
  FROM (
    SELECT x.i, x.e, names->>(x.e->>'subject') AS subj,
      CASE WHEN x.e->>'principalPatron' IS NOT NULL THEN names->>(x.e->>'principalPatron') ELSE x.e->>'principalId' END AS pid,
      ARRAY(SELECT jsonb_array_elements_text(x.e->'principalRoles')) AS roles,
      ARRAY(SELECT jsonb_array_elements_text(x.e->'fields')) AS flds
    FROM jsonb_array_elements(batch) WITH ORDINALITY AS x(e, i)
  ) r;

  hashes := ARRAY[]::text[];
  FOR n IN 1..coalesce(array_length(canons, 1), 0) LOOP
    head_hash := encode(sha256(convert_to(head_hash || canons[n], 'UTF8')), 'hex');
    hashes := hashes || head_hash;
  END LOOP;

  INSERT INTO audit_events (seq, at_ms, request_id, operation_name, document_hash, principal_kind, principal_id,
    principal_roles, purpose, subject, type_name, fields, category, outcome, basis, basis_ref, rule, via_router, row_hash)
  SELECT head_seq + x.i, at_ms, x.e->>'requestId', x.e->>'operationName', x.e->>'documentHash', x.e->>'principalKind',
    CASE WHEN x.e->>'principalPatron' IS NOT NULL THEN names->>(x.e->>'principalPatron') ELSE x.e->>'principalId' END,
    ARRAY(SELECT jsonb_array_elements_text(x.e->'principalRoles')), x.e->>'purpose', names->>(x.e->>'subject'), x.e->>'typeName',
    ARRAY(SELECT jsonb_array_elements_text(x.e->'fields')), x.e->>'category', x.e->>'outcome', x.e->>'basis', x.e->>'basisRef',
    x.e->>'rule', (x.e->>'viaRouter')::boolean, hashes[x.i]
  FROM jsonb_array_elements(batch) WITH ORDINALITY AS x(e, i)
  ORDER BY x.i;

  last_seq := head_seq + jsonb_array_length(batch);
  last_hash := head_hash;
  RETURN NEXT;
END
$$;
