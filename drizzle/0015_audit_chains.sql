-- Custom migration (edited by hand: drizzle-kit generated the tables and columns of
-- src/db/schema/audit.sql.ts, it cannot say PARTITION BY). The audit log scales out:
--   * one hash chain per writer (audit_chains): a server process registers its chain at start
--     (audit_open_chain) and appends under its own chain row's lock, so no lock is shared by the
--     fleet (0004..0013 took one advisory lock, 72001002, for every append of every process);
--   * signed heads (audit_heads) commit to every chain's head at once, and go to the witnesses;
--   * audit_events is partitioned by month (range on at_ms), partitions in their own schema, a
--     default partition so a writer never needs to create one, the append-only triggers on every
--     partition (TRUNCATE of a partition does not fire the parent's statement trigger);
--   * format 3 rows: a request's groups with the same patrons list them once (subjects on the first
--     such row, subjects_from on the others), so the GIN index takes each list once per request.
-- Rows of formats 1 and 2 are copied unchanged as chain 0 ("audit_events", chain_seq = seq) and
-- verify as before. The canonical text of a format-3 row (src/audit/canonical.ts rebuilds it):
--   [3, chain, chainSeq, seq, subjectsFrom, atMs, requestId, operationName, documentHash,
--    principalKind, principalId, principalRoles, purpose, subjects, typeName, fields, category,
--    outcome, basis, basisRef, rule, viaRouter]
CREATE SCHEMA audit_partitions;
--> statement-breakpoint
CREATE TABLE "audit_chains" (
	"id" integer PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at_ms" bigint NOT NULL,
	"head_seq" bigint DEFAULT 0 NOT NULL,
	"head_hash" text NOT NULL,
	CONSTRAINT "audit_chains_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE SEQUENCE audit_chains_id_seq OWNED BY audit_chains.id;
--> statement-breakpoint
CREATE TABLE "audit_heads" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_heads_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"signed_at_ms" bigint NOT NULL,
	"key_id" text NOT NULL,
	"head" text NOT NULL
);
--> statement-breakpoint

-- The append-only refusal names the log, not the partition the row sits in (a trigger argument).
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', coalesce(TG_ARGV[0], TG_TABLE_NAME), TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint

-- The log of earlier releases becomes chain 0, its head where its last row is.
INSERT INTO audit_chains (id, name, created_at_ms, head_seq, head_hash)
SELECT 0, 'audit_events', (extract(epoch from now()) * 1000)::bigint, coalesce(max(seq), 0),
  coalesce((SELECT row_hash FROM audit_events ORDER BY seq DESC LIMIT 1), repeat('0', 64))
FROM audit_events;
--> statement-breakpoint
ALTER TABLE audit_events RENAME TO audit_events_before_0015;
--> statement-breakpoint
ALTER TABLE audit_events_before_0015 DROP CONSTRAINT audit_events_pkey;
--> statement-breakpoint
DROP INDEX audit_events_subject_idx, audit_events_subjects_idx, audit_events_principal_idx, audit_events_basis_ref_idx, audit_events_at_idx;
--> statement-breakpoint
CREATE TABLE audit_events (
  seq bigint NOT NULL,
  at_ms bigint NOT NULL,
  request_id text NOT NULL,
  operation_name text,
  document_hash text,
  principal_kind text NOT NULL,
  principal_id text,
  principal_roles text[] NOT NULL,
  purpose text,
  subject text,
  type_name text NOT NULL,
  fields text[] NOT NULL,
  category text,
  outcome text NOT NULL,
  basis text,
  basis_ref text,
  rule text NOT NULL,
  via_router boolean NOT NULL,
  row_hash text NOT NULL,
  format smallint DEFAULT 1 NOT NULL,
  subjects text[],
  chain integer DEFAULT 0 NOT NULL,
  chain_seq bigint NOT NULL,
  subjects_from bigint,
  CONSTRAINT audit_events_pkey PRIMARY KEY (seq, at_ms)
) PARTITION BY RANGE (at_ms);
--> statement-breakpoint
ALTER TABLE audit_events ALTER COLUMN subjects SET STORAGE EXTERNAL;
--> statement-breakpoint
CREATE SEQUENCE audit_events_seq;
--> statement-breakpoint
SELECT setval('audit_events_seq', max(seq)) FROM audit_events_before_0015 HAVING max(seq) IS NOT NULL;
--> statement-breakpoint

-- Rows whose month has no partition (the owner was late) land here; nothing is ever refused.
CREATE TABLE audit_partitions.audit_events_default PARTITION OF audit_events DEFAULT;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_partitions.audit_events_default FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change('audit_events');
--> statement-breakpoint

-- The partition of the month containing `month` (UTC), with its own TRUNCATE trigger; owner only.
-- Returns its name, or null when it exists or when rows of that month already sit in the default
-- partition (PostgreSQL would refuse it; those rows stay where they are, verified like any other).
CREATE FUNCTION audit_create_partition(month timestamptz) RETURNS text LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  lo timestamptz := date_trunc('month', month, 'UTC');
  lo_ms bigint := (extract(epoch from lo) * 1000)::bigint;
  hi_ms bigint := (extract(epoch from lo + interval '1 month') * 1000)::bigint;
  part text := 'audit_events_' || to_char(lo AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
  IF to_regclass('audit_partitions.' || part) IS NOT NULL THEN
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT 1 FROM audit_partitions.audit_events_default d WHERE d.at_ms >= lo_ms AND d.at_ms < hi_ms) THEN
    RETURN NULL;
  END IF;
  EXECUTE format('CREATE TABLE audit_partitions.%I PARTITION OF audit_events FOR VALUES FROM (%s) TO (%s)', part, lo_ms, hi_ms);
  EXECUTE format('CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_partitions.%I FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change(%L)', part, 'audit_events');
  RETURN part;
END
$$;
--> statement-breakpoint
-- This month's partition and the next `ahead` months' (migrations and npm run db:roles call it).
CREATE FUNCTION audit_ensure_partitions(ahead integer) RETURNS SETOF text LANGUAGE sql SET search_path = public, pg_temp AS $$
  SELECT p FROM (
    SELECT audit_create_partition(m) AS p
    FROM generate_series(date_trunc('month', now(), 'UTC'), date_trunc('month', now(), 'UTC') + make_interval(months => ahead), interval '1 month') m
  ) x WHERE p IS NOT NULL
$$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION audit_create_partition(timestamptz) FROM PUBLIC;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION audit_ensure_partitions(integer) FROM PUBLIC;
--> statement-breakpoint
SELECT audit_create_partition(m)
FROM (SELECT DISTINCT date_trunc('month', to_timestamp(at_ms / 1000.0), 'UTC') AS m FROM audit_events_before_0015) x;
--> statement-breakpoint
SELECT audit_ensure_partitions(3);
--> statement-breakpoint
INSERT INTO audit_events (seq, at_ms, request_id, operation_name, document_hash, principal_kind, principal_id, principal_roles,
  purpose, subject, type_name, fields, category, outcome, basis, basis_ref, rule, via_router, row_hash, format, subjects, chain, chain_seq)
SELECT seq, at_ms, request_id, operation_name, document_hash, principal_kind, principal_id, principal_roles,
  purpose, subject, type_name, fields, category, outcome, basis, basis_ref, rule, via_router, row_hash, format, subjects, 0, seq
FROM audit_events_before_0015;
--> statement-breakpoint
DROP TABLE audit_events_before_0015;
--> statement-breakpoint
CREATE INDEX audit_events_chain_idx ON audit_events USING btree (chain, chain_seq);
--> statement-breakpoint
CREATE INDEX audit_events_subjects_from_idx ON audit_events USING btree (chain, subjects_from) WHERE subjects_from IS NOT NULL;
--> statement-breakpoint
CREATE INDEX audit_events_subject_idx ON audit_events USING btree (subject, seq);
--> statement-breakpoint
CREATE INDEX audit_events_subjects_idx ON audit_events USING gin (subjects) WITH (gin_pending_list_limit = 256);
--> statement-breakpoint
CREATE INDEX audit_events_principal_idx ON audit_events USING btree (principal_id, seq);
--> statement-breakpoint
CREATE INDEX audit_events_basis_ref_idx ON audit_events USING btree (basis_ref);
--> statement-breakpoint
CREATE INDEX audit_events_at_idx ON audit_events USING btree (at_ms);
--> statement-breakpoint
-- Row triggers on a partitioned table are cloned onto every partition, now and later.
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('audit_events');
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change('audit_events');
--> statement-breakpoint

-- A chain's head moves forward only, and only the append function moves it; chains are never deleted.
CREATE FUNCTION audit_chain_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id <> OLD.id OR NEW.name <> OLD.name OR NEW.created_at_ms <> OLD.created_at_ms OR NEW.head_seq <= OLD.head_seq THEN
    RAISE EXCEPTION 'audit_chains: a head moves forward only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_chains_forward_only BEFORE UPDATE ON audit_chains FOR EACH ROW EXECUTE FUNCTION audit_chain_forward_only();
--> statement-breakpoint
CREATE TRIGGER audit_chains_append_only BEFORE DELETE ON audit_chains FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_chains_no_truncate BEFORE TRUNCATE ON audit_chains FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_heads_append_only BEFORE UPDATE OR DELETE ON audit_heads FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint

-- A writer's chain, registered at its first append: the id of the chain named `writer`, created if
-- new. Two processes given the same writer id share one chain safely (its row lock orders them).
CREATE FUNCTION audit_open_chain(writer text) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  found_id integer;
BEGIN
  IF writer IS NULL OR writer !~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' OR writer = 'audit_events' THEN
    RAISE EXCEPTION 'audit_open_chain: not a writer id' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT c.id INTO found_id FROM audit_chains c WHERE c.name = writer;
  IF found_id IS NULL THEN
    INSERT INTO audit_chains (id, name, created_at_ms, head_seq, head_hash)
    VALUES (nextval('audit_chains_id_seq'), writer, (extract(epoch from clock_timestamp()) * 1000)::bigint, 0, repeat('0', 64))
    ON CONFLICT (name) DO NOTHING;
    SELECT c.id INTO found_id FROM audit_chains c WHERE c.name = writer;
  END IF;
  RETURN found_id;
END
$$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION audit_open_chain(text) FROM PUBLIC;
--> statement-breakpoint

-- The key epoch: moves whenever pseudonym keys are destroyed, so that a writer's cached pseudonyms
-- (of keys that may be gone) are refused and it asks again.
CREATE SEQUENCE audit_key_epoch;
--> statement-breakpoint
CREATE FUNCTION audit_key_epoch() RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM audit_key_epoch
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_shred_subject_keys(before timestamptz, patron_ids text[]) RETURNS integer
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
  IF gone > 0 THEN
    PERFORM nextval('audit_key_epoch');
  END IF;
  RETURN gone;
END
$$;
--> statement-breakpoint
-- Earlier releases' writer: a process still running one gets an error and answers 503
-- AUDIT_UNAVAILABLE rather than serve unrecorded.
DROP FUNCTION audit_append_requests(jsonb);
--> statement-breakpoint
DROP FUNCTION audit_pending_rows(jsonb);
--> statement-breakpoint
DROP TYPE audit_pending_row;
--> statement-breakpoint
-- A row on its way into the log: every column but the positions and row_hash; subjects_back > 0
-- when an earlier group of the request lists the same patrons (subjects is then null); and the
-- canonical text after "[3,chain,chainSeq,seq,subjectsFrom," (known before the chain's lock).
CREATE TYPE audit_pending_row AS (
  at_ms bigint, request_id text, operation_name text, document_hash text, principal_kind text, principal_id text,
  principal_roles text[], purpose text, subjects text[], subjects_back integer, type_name text, fields text[], category text,
  outcome text, basis text, basis_ref text, rule text, via_router boolean, canonical_tail text
);
--> statement-breakpoint
-- As 0009: each distinct list's pseudonyms looked up, sorted and serialised once; now also written
-- once: the first group naming a list carries it, the later ones point back to it.
CREATE FUNCTION audit_pending_rows(request jsonb) RETURNS audit_pending_row[] LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  at_ms bigint := (request->>'atMs')::bigint;
  period timestamptz := date_trunc('month', to_timestamp(at_ms / 1000.0), 'UTC');
  principal_patron text := request->>'principalPatron';
  -- The writer's cache (src/audit/pseudonyms.ts) sends pseudonyms it had from this database under
  -- the current key epoch; any shredding since moves the epoch, and such a request is refused.
  cached boolean := request ? 'pseudonymSets';
  sets jsonb := coalesce(request->'pseudonymSets', request->'subjectSets');
  roles text[] := ARRAY(SELECT jsonb_array_elements_text(request->'principalRoles'));
  via_router boolean := (request->>'viaRouter')::boolean;
  principal_id text;
  head text;
  listed int;
  pending audit_pending_row[];
BEGIN
  IF cached AND (request->>'keyEpoch')::bigint IS DISTINCT FROM audit_key_epoch() THEN
    RAISE EXCEPTION 'audit_pending_rows: pseudonyms of an earlier key epoch' USING ERRCODE = 'PRK01';
  END IF;
  SELECT coalesce(sum(jsonb_array_length(x.e)), 0) INTO listed FROM jsonb_array_elements(sets) x(e);
  FOR attempt IN 1..2 LOOP
    principal_id := request->>'principalId';
    IF cached AND principal_patron IS NOT NULL THEN
      principal_id := request->>'principalPseudonym';
    ELSIF principal_patron IS NOT NULL THEN
      principal_id := (SELECT k.pseudonym FROM audit_subject_keys k WHERE k.period_start = period AND k.patron_id = principal_patron);
    END IF;
    head := at_ms || ',' || audit_json(request->>'requestId') || ',' || audit_json(request->>'operationName')
      || ',' || audit_json(request->>'documentHash') || ',' || audit_json(request->>'principalKind') || ',' || audit_json(principal_id)
      || ',' || array_to_json(roles)::text || ',' || audit_json(request->>'purpose') || ',';
    pending := ARRAY(
      WITH lists AS MATERIALIZED (
        SELECT x.i, p.subjects, array_to_json(p.subjects)::text AS subjects_json
        FROM jsonb_array_elements(sets) WITH ORDINALITY AS x(e, i),
          LATERAL (SELECT CASE WHEN cached
            THEN ARRAY(SELECT c FROM jsonb_array_elements_text(x.e) c ORDER BY c COLLATE "C")
            ELSE ARRAY(SELECT k.pseudonym FROM audit_subject_keys k
              WHERE k.period_start = period AND k.patron_id = ANY(ARRAY(SELECT jsonb_array_elements_text(x.e)))
              ORDER BY k.pseudonym COLLATE "C") END AS subjects OFFSET 0) p
      ), groups AS (
        SELECT x.i, x.e, (x.e->>'set')::int + 1 AS s, ARRAY(SELECT jsonb_array_elements_text(x.e->'fields')) AS fields,
          min(x.i) OVER (PARTITION BY (x.e->>'set')::int) AS first
        FROM jsonb_array_elements(request->'groups') WITH ORDINALITY AS x(e, i)
      )
      SELECT ROW(at_ms, request->>'requestId', request->>'operationName', request->>'documentHash', request->>'principalKind',
          principal_id, roles, request->>'purpose', CASE WHEN g.i = g.first THEN l.subjects END,
          CASE WHEN g.i = g.first THEN NULL ELSE (g.i - g.first)::int END,
          g.e->>'typeName', g.fields, g.e->>'category', g.e->>'outcome', g.e->>'basis', g.e->>'basisRef', g.e->>'rule', via_router,
          head || CASE WHEN g.i = g.first THEN l.subjects_json ELSE 'null' END || ',' || audit_json(g.e->>'typeName')
          || ',' || array_to_json(g.fields)::text || ',' || audit_json(g.e->>'category') || ',' || audit_json(g.e->>'outcome')
          || ',' || audit_json(g.e->>'basis') || ',' || audit_json(g.e->>'basisRef') || ',' || audit_json(g.e->>'rule')
          || ',' || via_router::text || ']'
        )::audit_pending_row
      FROM groups g JOIN lists l ON l.i = g.s
      ORDER BY g.i);
    EXIT WHEN (principal_patron IS NULL OR principal_id IS NOT NULL)
      AND (SELECT coalesce(sum(cardinality(r.subjects)), 0) FROM unnest(pending) r) = listed;
    IF attempt = 2 OR cached THEN
      RAISE EXCEPTION 'audit_pending_rows: a subject has no key for the period';
    END IF;
    INSERT INTO audit_subject_keys (id, patron_id, period_start, period_end, pads, pseudonym)
    SELECT 'ask_' || replace(gen_random_uuid()::text, '-', ''), x.p, period, period + interval '1 month', x.pads, audit_pseudonym(x.pads, x.p)
    FROM (SELECT p, audit_new_key_pads() AS pads
          FROM (SELECT s AS p FROM jsonb_array_elements(sets) l, jsonb_array_elements_text(l) s
                UNION SELECT principal_patron WHERE principal_patron IS NOT NULL) patrons
          WHERE NOT EXISTS (SELECT 1 FROM audit_subject_keys k WHERE k.patron_id = p AND k.period_start = period)) x
    ON CONFLICT (patron_id, period_start) DO NOTHING;
  END LOOP;
  RETURN pending;
END
$$;
--> statement-breakpoint
-- Appends the requests (a JSON array, in order) to the writer's chain in one transaction. The lock
-- is the chain's row (FOR UPDATE): writers of other chains never wait for it. Under it remain
-- reading the head, one sha256 per row, the INSERT and moving the head.
-- Also returns the key epoch and, for the requests that named patrons by id, their pseudonyms by
-- month ({"<month start ms>": {"<patron>": "<pseudonym>"}}), which the writer caches.
CREATE FUNCTION audit_append_requests(chain_id integer, requests jsonb) RETURNS TABLE (last_seq bigint, last_hash text, key_epoch bigint, pseudonyms jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  request jsonb;
  pending audit_pending_row[] := ARRAY[]::audit_pending_row[];
  h_seq bigint;
  h_hash text;
  seqs bigint[];
  hashes text[] := ARRAY[]::text[];
  n int;
  from_seq bigint;
BEGIN
  IF chain_id = 0 THEN
    RAISE EXCEPTION 'audit_append_requests: chain 0 is closed' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR request IN SELECT value FROM jsonb_array_elements(requests) LOOP
    pending := pending || audit_pending_rows(request);
  END LOOP;
  n := coalesce(array_length(pending, 1), 0);
  SELECT c.head_seq, c.head_hash INTO h_seq, h_hash FROM audit_chains c WHERE c.id = chain_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit_append_requests: no chain %', chain_id USING ERRCODE = 'invalid_parameter_value';
  END IF;
  seqs := ARRAY(SELECT nextval('audit_events_seq') FROM generate_series(1, n) g ORDER BY g);
  FOR i IN 1..n LOOP
    from_seq := h_seq + i - (pending[i]).subjects_back;
    h_hash := encode(sha256(convert_to(h_hash || '[3,' || chain_id || ',' || (h_seq + i) || ',' || seqs[i] || ','
      || coalesce(from_seq::text, 'null') || ',' || (pending[i]).canonical_tail, 'UTF8')), 'hex');
    hashes[i] := h_hash;
  END LOOP;
  INSERT INTO audit_events (seq, chain, chain_seq, format, at_ms, request_id, operation_name, document_hash, principal_kind, principal_id,
    principal_roles, purpose, subject, subjects, subjects_from, type_name, fields, category, outcome, basis, basis_ref, rule, via_router, row_hash)
  SELECT seqs[p.i], chain_id, h_seq + p.i, 3, p.at_ms, p.request_id, p.operation_name, p.document_hash, p.principal_kind, p.principal_id,
    p.principal_roles, p.purpose, NULL, p.subjects, h_seq + p.i - p.subjects_back, p.type_name, p.fields, p.category, p.outcome,
    p.basis, p.basis_ref, p.rule, p.via_router, hashes[p.i]
  FROM unnest(pending) WITH ORDINALITY AS p(at_ms, request_id, operation_name, document_hash, principal_kind, principal_id,
    principal_roles, purpose, subjects, subjects_back, type_name, fields, category, outcome, basis, basis_ref, rule, via_router,
    canonical_tail, i)
  ORDER BY p.i;
  IF n > 0 THEN
    UPDATE audit_chains SET head_seq = h_seq + n, head_hash = h_hash WHERE id = chain_id;
  END IF;
  last_seq := h_seq + n;
  last_hash := h_hash;
  key_epoch := audit_key_epoch();
  SELECT coalesce(jsonb_object_agg(m.period_ms, m.names), '{}'::jsonb) INTO pseudonyms FROM (
    SELECT (extract(epoch from k.period_start) * 1000)::bigint AS period_ms, jsonb_object_agg(k.patron_id, k.pseudonym) AS names
    FROM (SELECT DISTINCT date_trunc('month', to_timestamp((r->>'atMs')::bigint / 1000.0), 'UTC') AS period, p
          FROM jsonb_array_elements(requests) r,
            LATERAL (SELECT s FROM jsonb_array_elements(r->'subjectSets') l, jsonb_array_elements_text(l) s
                     UNION SELECT r->>'principalPatron') x(p)
          WHERE NOT r ? 'pseudonymSets' AND p IS NOT NULL) w
    JOIN audit_subject_keys k ON k.period_start = w.period AND k.patron_id = w.p
    GROUP BY k.period_start) m;
  RETURN NEXT;
END
$$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION audit_append_requests(integer, jsonb) FROM PUBLIC;
--> statement-breakpoint

-- Rows about a patron: those listing one of the patron's live pseudonyms (any format), and the
-- format-3 rows of the same requests that point back to such a list.
CREATE OR REPLACE FUNCTION audit_events_about(patron text) RETURNS SETOF bigint LANGUAGE sql STABLE AS $$
  WITH listed AS (
    SELECT e.seq, e.chain, e.chain_seq FROM audit_events e WHERE e.subject IN (SELECT audit_pseudonyms_of(patron))
    UNION ALL
    SELECT e.seq, e.chain, e.chain_seq FROM audit_events e WHERE e.subjects && ARRAY(SELECT audit_pseudonyms_of(patron))
  )
  SELECT l.seq FROM listed l
  UNION
  SELECT r.seq FROM listed l JOIN audit_events r ON r.chain = l.chain AND r.subjects_from = l.chain_seq
$$;
